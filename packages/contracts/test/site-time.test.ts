// Times as people at the site read them, whatever zone the machine showing them runs in.
import { describe, expect, it } from "vitest";
import { formatSiteClock, formatSiteTime, siteDateStamp, siteZoneLabel } from "../src/site-time.ts";

describe("site time", () => {
  // 00:48:37 UTC on 5 December: 01:48 in Berlin (CET), already the afternoon in Auckland.
  const instant = "2026-12-05T00:48:37Z";

  it("shows a moment on the site's clock, without the zone, which is said once per screen", () => {
    expect(formatSiteTime(instant, "Europe/Berlin")).toBe("Sat, 5 Dec 2026, 01:48");
    expect(formatSiteTime(new Date(instant), "Pacific/Auckland")).toBe("Sat, 5 Dec 2026, 13:48");
    expect(formatSiteClock(instant, "Europe/Berlin")).toBe("01:48:37");
  });

  it("names the zone with what its clock goes by at that moment (CET in winter, CEST in summer)", () => {
    expect(siteZoneLabel("Europe/Berlin", new Date(instant))).toBe("Europe/Berlin (CET)");
    expect(siteZoneLabel("Europe/Berlin", new Date("2026-07-01T12:00:00Z"))).toBe("Europe/Berlin (CEST)");
    expect(siteZoneLabel("UTC", new Date(instant))).toBe("UTC");
  });

  it("dates a file by the site's day, not UTC's", () => {
    expect(siteDateStamp("2026-12-04T23:30:00Z", "Europe/Berlin")).toBe("2026-12-05");
    expect(siteDateStamp("2026-12-04T23:30:00Z", "America/New_York")).toBe("2026-12-04");
  });

  it("refuses a zone that is not an IANA zone in words", () => {
    expect(() => formatSiteTime(instant, "Mars/Olympus")).toThrow(/not a known IANA zone/);
  });
});
