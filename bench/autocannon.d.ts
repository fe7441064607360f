// Minimal types for the parts of autocannon 9 the benches use (no @types package installed).
declare module "autocannon" {
  interface RequestContext {
    [key: string]: unknown;
  }
  interface AutocannonRequest {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (req: AutocannonRequest, context: RequestContext) => AutocannonRequest;
    onResponse?: (status: number, body: string, context: RequestContext) => void;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: AutocannonRequest[];
  }
  interface Result {
    "2xx": number;
    non2xx: number;
    errors: number;
    requests: { average: number };
    latency: { average: number; p50: number; p99: number };
  }
  function autocannon(opts: Options): Promise<Result>;
  export default autocannon;
}
