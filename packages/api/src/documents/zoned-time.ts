// Wall-clock arithmetic in a site's timezone and the shift rules live in contracts (pure Intl), so
// that the console computes shift boundaries and writes times offline exactly as the server does.
export {
  BOUNDARY_PATTERN,
  addDays,
  currentShiftStart,
  formatLocal,
  formatLocalShort,
  instantOfWallTime,
  nextShiftStart,
  parseBoundary,
  shiftAt,
  shiftRulesAt,
  wallTimeAt,
  type WallTime,
} from "@orderdeck/contracts";
