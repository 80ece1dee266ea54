// The Electron shell's security rules, checked as the pure functions main/index.ts applies.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { CSP_DEV, CSP_HEADER, CSP_META, SECURITY_HEADERS } from "../src/shared/csp.ts";
import { isAllowedRequestUrl, isRendererNavigation, originOf, secureWebPreferences } from "../src/main/security.ts";

const directives = (policy: string) =>
  new Map(policy.split(";").map((part) => {
    const [name = "", ...values] = part.trim().split(/\s+/);
    return [name, values] as const;
  }));

describe("Content-Security-Policy", () => {
  it("allows nothing but the app's own files: no inline code, no eval, no remote origin, no framing", () => {
    const policy = directives(CSP_HEADER);
    expect(policy.get("default-src")).toEqual(["'none'"]);
    expect(policy.get("script-src")).toEqual(["'self'"]);
    expect(policy.get("style-src")).toEqual(["'self'"]);
    expect(policy.get("connect-src")).toEqual(["'self'"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    expect(policy.get("base-uri")).toEqual(["'none'"]);
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    for (const [name, values] of policy) {
      for (const value of values) {
        expect(`${name} ${value}`).not.toMatch(/unsafe-|\*|https?:|ws:|blob:/);
      }
    }
    expect(SECURITY_HEADERS["Content-Security-Policy"]).toBe(CSP_HEADER);
  });

  it("is the policy index.html declares (the meta omits frame-ancestors, which meta cannot carry)", async () => {
    const html = await readFile(new URL("../src/renderer/index.html", import.meta.url), "utf8");
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)?.[1]?.replace(/\s+/g, " ").trim();
    expect(meta).toBe(CSP_META);
    expect(CSP_HEADER).toBe(`${CSP_META}; frame-ancestors 'none'`);
  });

  it("relaxes only scripts and styles, only for the dev server", () => {
    const dev = directives(CSP_DEV);
    expect(dev.get("script-src")).toEqual(["'self'", "'unsafe-inline'"]);
    expect(dev.get("connect-src")).toEqual(["'self'"]);
  });
});

describe("request filter and navigation", () => {
  const packaged = { app: "app://console" };
  const dev = { app: "app://console", devServer: "http://localhost:5173" };

  it("lets the packaged renderer load its own files only", () => {
    for (const url of ["app://console/index.html", "app://console/assets/index-abc.js", "data:image/png;base64,AAAA", "devtools://devtools/bundled/x.html"]) {
      expect(isAllowedRequestUrl(url, packaged), url).toBe(true);
    }
    for (const url of [
      "http://127.0.0.1:4000/trpc/jobs.list", // the renderer never talks to the server itself
      "https://cdn.example.com/lib.js",
      "file:///etc/passwd",
      "app://evil/index.html",
      "ws://localhost:5173/",
      "http://localhost:5173/src/main.tsx",
      "not a url",
    ]) {
      expect(isAllowedRequestUrl(url, packaged), url).toBe(false);
    }
  });

  it("adds the dev server's origin, and nothing else, in development", () => {
    expect(isAllowedRequestUrl("http://localhost:5173/src/main.tsx", dev)).toBe(true);
    expect(isAllowedRequestUrl("http://localhost:5174/", dev)).toBe(false);
    expect(isAllowedRequestUrl("http://127.0.0.1:4000/readyz", dev)).toBe(false);
  });

  it("keeps navigation on the renderer's origin", () => {
    expect(isRendererNavigation("app://console/index.html#/pickup", "app://console")).toBe(true);
    expect(isRendererNavigation("https://example.com/", "app://console")).toBe(false);
    expect(isRendererNavigation("app://console.evil/", "app://console")).toBe(false);
    expect(isRendererNavigation("javascript:alert(1)", "app://console")).toBe(false);
    expect(originOf("app://console/x?y")).toBe("app://console");
    expect(originOf("::")).toBeNull();
  });
});

describe("window web preferences", () => {
  it("isolate and sandbox the renderer, without Node anywhere", () => {
    expect(secureWebPreferences("/app/out/preload/index.cjs")).toMatchObject({
      preload: "/app/out/preload/index.cjs",
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });
});
