// files embedded with `import path from "x.so" with { type: "file" }`
declare module "*.so" {
  const path: string;
  export default path;
}
declare module "*/c/build/monitor" {
  const path: string;
  export default path;
}
