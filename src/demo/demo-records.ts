/** The demo tenant's facility records: vendors, assets, templates and the work they generate. */

export const DEMO_VENDORS = [
  {
    code: 'BRIGHTLINE',
    name: 'Brightline Electrical Ltd',
    email: 'jobs@brightline.example',
    phone: '+44 20 7946 0310',
  },
  {
    code: 'COOLAIR',
    name: 'CoolAir HVAC Services',
    email: 'dispatch@coolair.example',
    phone: '+44 20 7946 0311',
  },
  {
    code: 'AQUAFLOW',
    name: 'AquaFlow Plumbing',
    email: 'service@aquaflow.example',
    phone: '+91 22 5550 1234',
  },
  {
    code: 'SECURELIFT',
    name: 'SecureLift Elevators',
    email: 'support@securelift.example',
    phone: '+1 512 555 0142',
  },
  {
    code: 'GREENLEAF',
    name: 'GreenLeaf Grounds & Landscaping',
    email: null,
    phone: '+1 512 555 0199',
  },
  {
    code: 'FIREGUARD',
    name: 'FireGuard Safety Systems',
    email: 'inspections@fireguard.example',
    phone: null,
  },
];

export const DEMO_ASSETS = [
  { code: 'LON-AHU-01', name: 'Air handling unit, roof level', site: 'LON-HQ', category: 'HVAC' },
  { code: 'LON-CH-01', name: 'Chiller No. 1', site: 'LON-HQ', category: 'HVAC' },
  { code: 'LON-LIFT-A', name: 'Passenger lift A', site: 'LON-HQ', category: 'Lifts' },
  { code: 'LON-GEN-01', name: 'Standby diesel generator', site: 'LON-HQ', category: 'Electrical' },
  { code: 'BOM-BLR-01', name: 'Steam boiler', site: 'BOM-PLANT', category: 'Mechanical' },
  { code: 'BOM-CMP-02', name: 'Air compressor line 2', site: 'BOM-PLANT', category: 'Mechanical' },
  { code: 'BOM-FP-01', name: 'Fire pump set', site: 'BOM-PLANT', category: 'Fire safety' },
  { code: 'BOM-TX-01', name: 'Main transformer 1 MVA', site: 'BOM-PLANT', category: 'Electrical' },
  { code: 'AUS-DOCK-3', name: 'Dock leveller, bay 3', site: 'AUS-WH', category: 'Doors & docks' },
  { code: 'AUS-RTU-02', name: 'Rooftop unit 2', site: 'AUS-WH', category: 'HVAC' },
  { code: 'AUS-SPR-01', name: 'Sprinkler riser', site: 'AUS-WH', category: 'Fire safety' },
  { code: 'AUS-FL-07', name: 'Electric forklift 7', site: 'AUS-WH', category: 'Vehicles' },
];

export const DEMO_TEMPLATES = [
  {
    name: 'Boiler daily round',
    description: 'Check pressure, water level and flue temperature; log the pressure gauge.',
    site: 'BOM-PLANT',
    requires_observation: true,
    requires_meter_reading: true,
    requires_photo: false,
    grace_minutes: 60,
  },
  {
    name: 'Fire extinguisher monthly check',
    description: 'Pin and seal intact, gauge in the green, tag signed; photograph the tag.',
    site: null,
    requires_observation: false,
    requires_meter_reading: false,
    requires_photo: true,
    grace_minutes: 1440,
  },
  {
    name: 'Generator weekly test run',
    description: 'Run on load for 30 minutes; record run hours and fuel level.',
    site: 'LON-HQ',
    requires_observation: true,
    requires_meter_reading: true,
    requires_photo: false,
    grace_minutes: 240,
  },
  {
    name: 'Restroom inspection',
    description: 'Cleanliness, consumables, leaks and odours.',
    site: null,
    requires_observation: true,
    requires_meter_reading: false,
    requires_photo: false,
    grace_minutes: 30,
  },
  {
    name: 'Chiller log',
    description: 'Record supply and return water temperatures and compressor amps.',
    site: 'LON-HQ',
    requires_observation: false,
    requires_meter_reading: true,
    requires_photo: false,
    grace_minutes: 120,
  },
];

/** Work order titles by asset category, with their checklist. */
export const DEMO_WORK = [
  {
    title: 'Replace AHU filters',
    category: 'HVAC',
    items: ['Isolate the unit', 'Replace pre-filters and bag filters', 'Record the pressure drop'],
  },
  {
    title: 'Chiller compressor making noise',
    category: 'HVAC',
    items: ['Inspect compressor mounts', 'Check refrigerant pressures', 'Vibration reading'],
  },
  {
    title: 'Lift door sensor fault',
    category: 'Lifts',
    items: ['Test light curtain', 'Replace sensor if faulty', 'Run 10 test cycles'],
  },
  {
    title: 'Generator annual service',
    category: 'Electrical',
    items: ['Change oil and filters', 'Load bank test', 'Check battery and charger'],
  },
  {
    title: 'Boiler safety valve inspection',
    category: 'Mechanical',
    items: ['Lift test the safety valve', 'Inspect for leaks', 'Update the boiler log'],
  },
  {
    title: 'Compressor oil leak',
    category: 'Mechanical',
    items: ['Locate the leak', 'Replace gasket', 'Clean the bund'],
  },
  {
    title: 'Fire pump weekly churn test',
    category: 'Fire safety',
    items: ['Start on pressure drop', 'Record suction and discharge pressure'],
  },
  {
    title: 'Transformer thermal scan',
    category: 'Electrical',
    items: ['Thermal image of terminations', 'Check oil level', 'Silica gel colour'],
  },
  {
    title: 'Dock leveller hydraulic repair',
    category: 'Doors & docks',
    items: ['Inspect hydraulic hoses', 'Replace the leaking cylinder seal', 'Function test'],
  },
  {
    title: 'Rooftop unit not cooling',
    category: 'HVAC',
    items: ['Check thermostat call', 'Inspect condenser coil', 'Measure superheat'],
  },
  {
    title: 'Sprinkler riser quarterly inspection',
    category: 'Fire safety',
    items: ['Main drain test', 'Check gauges', 'Inspect valve supervision'],
  },
  {
    title: 'Forklift battery replacement',
    category: 'Vehicles',
    items: ['Remove the old battery', 'Fit and charge the new battery'],
  },
];

export const DEMO_TICKETS = [
  { title: 'Meeting room 4.02 too warm', category: 'HVAC' },
  { title: 'Leaking tap in level 2 kitchen', category: 'Plumbing' },
  { title: 'Flickering lights in the east corridor', category: 'Electrical' },
  { title: 'Badge reader at the loading bay not working', category: 'Security' },
  { title: 'Spill in the canteen needs cleaning', category: 'Cleaning' },
  { title: 'Blocked drain outside gate 3', category: 'Plumbing' },
  { title: 'Car park barrier stuck open', category: 'Security' },
  { title: 'No hot water in the shower block', category: 'Plumbing' },
  { title: 'Printer room air conditioning dripping', category: 'HVAC' },
  { title: 'Broken window blind in reception', category: 'General' },
  { title: 'Pest sighting near the dock doors', category: 'Cleaning' },
  { title: 'Power socket sparking at desk 118', category: 'Electrical' },
];

/** A small deterministic generator, so every new demo database is the same. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
