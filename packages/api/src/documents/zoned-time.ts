// Wall-clock arithmetic in a site's timezone lives in contracts (pure Intl), so that the console
// computes shift boundaries and writes times offline exactly as the server does.
export {
  BOUNDARY_PATTERN,
  SHIFT_START_HOURS,
  addDays,
  currentShiftStart,
  formatLocal,
  formatLocalShort,
  instantOfWallTime,
  parseBoundary,
  wallTimeAt,
  type WallTime,
} from "@orderdeck/contracts";
