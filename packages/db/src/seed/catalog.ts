// Word lists for the demo site. Names and contact details are invented; emails use the
// reserved example.* domains and phone numbers the fictional 555 range.

export const FIRST_NAMES = [
  "Anna", "Ben", "Clara", "David", "Elif", "Finn", "Greta", "Hannes", "Ida", "Jonas", "Kira", "Lukas",
  "Mira", "Niklas", "Olga", "Paul", "Rosa", "Sami", "Tara", "Ugo", "Vera", "Wim", "Yara", "Zoe",
  "Malik", "Lena", "Theo", "Aylin", "Jakob", "Noor",
] as const;

export const LAST_NAMES = [
  "Bauer", "Schmidt", "Yilmaz", "Novak", "Fischer", "Okafor", "Weber", "Kowalski", "Meyer", "Haddad",
  "Wagner", "Rossi", "Becker", "Nguyen", "Hoffmann", "Lindqvist", "Schulz", "Dubois", "Koch", "Moreau",
] as const;

/** Some customers are businesses rather than people. */
export const COMPANIES = [
  "Kiezwerk Design Studio", "Bäckerei Sonnenschein", "Spreeufer Architekten", "Tabletop Guild Berlin",
  "Robotics Club Neukölln", "Atelier Glasklar", "Velo Repair Collective", "Makerspace Wedding",
] as const;

export type Process = "FDM" | "RESIN" | "LASER";

export interface MaterialSpec {
  material: string;
  process: Process;
  colours: readonly string[];
}

export const MATERIALS: readonly (readonly [MaterialSpec, number])[] = [
  [{ material: "PLA", process: "FDM", colours: ["Black", "White", "Signal red", "Galaxy blue", "Silver", "Natural", "Forest green"] }, 30],
  [{ material: "PETG", process: "FDM", colours: ["Black", "Clear", "Orange", "Grey"] }, 14],
  [{ material: "ABS", process: "FDM", colours: ["Black", "White"] }, 4],
  [{ material: "TPU 95A", process: "FDM", colours: ["Black", "Red", "Clear"] }, 4],
  [{ material: "Resin (standard)", process: "RESIN", colours: ["Grey", "Black", "Clear"] }, 9],
  [{ material: "Resin (tough)", process: "RESIN", colours: ["Grey", "Blue"] }, 4],
  [{ material: "Plywood 3 mm", process: "LASER", colours: ["Birch"] }, 10],
  [{ material: "Plywood 6 mm", process: "LASER", colours: ["Birch", "Poplar"] }, 5],
  [{ material: "Acrylic 3 mm", process: "LASER", colours: ["Clear", "Opal white", "Smoke grey", "Mirror gold"] }, 9],
  [{ material: "Acrylic 5 mm", process: "LASER", colours: ["Clear", "Black"] }, 3],
  [{ material: "MDF 4 mm", process: "LASER", colours: ["Natural"] }, 4],
  [{ material: "Cork 2 mm", process: "LASER", colours: ["Natural"] }, 2],
];

export const MACHINES: Record<Process, readonly string[]> = {
  FDM: ["Prusa MK4 #1", "Prusa MK4 #2", "Prusa MK4 #3", "Bambu X1C"],
  RESIN: ["Formlabs Form 3"],
  LASER: ["Epilog Fusion Edge", "xTool P2"],
};

/** Titles per process; `{n}` becomes a small count. */
export const TITLES: Record<Process, readonly string[]> = {
  FDM: [
    "Replacement gear for stand mixer", "Cosplay helmet, 2 parts", "Raspberry Pi 5 enclosure", "Drone frame arms ×4",
    "Cable clips ×{n}", "Wall bracket for bike pump", "Planter with drainage tray", "Desk organiser", "Custom cookie cutters ×{n}",
    "Camera lens cap", "Headphone stand", "Prototype housing rev C", "Board game inserts", "Filament spool holder",
    "Replacement knob for oven", "Phone dock with cable channel", "Chess set, full", "Lamp shade, twisted vase",
    "Jig for drill press", "Name badges ×{n}", "Shelf support clips ×{n}", "Mount for smart thermostat",
  ],
  RESIN: [
    "Tabletop miniatures ×{n}", "Ring prototype, size 54", "Dental model", "Figurine 120 mm", "Watch strap clasp",
    "Architectural detail, facade", "Terrain pieces ×{n}", "Jewellery casting pattern",
  ],
  LASER: [
    "Engraved coasters ×{n}", "Shop sign 60×25 cm", "Wedding table numbers ×{n}", "Acrylic display stand",
    "Architectural model base plate", "Keychain tags with logo ×{n}", "Puzzle box", "Stencil set",
    "Cake topper, names", "Drawer dividers", "Pin board, custom shape", "Gift box with engraved lid",
    "Ornaments ×{n}", "Menu holders ×{n}",
  ],
};

export const NOTES = [
  "Customer collects after 17:00.",
  "Thin walls: print with brim.",
  "Use the customer's own file v3, not v2.",
  "Call before starting, colour to be confirmed.",
  "Fragile, pack in the small boxes.",
  "Repeat order, same settings as last time.",
  "Engraving text checked with customer.",
  "Needs supports removed and sanded.",
] as const;
