import { typoDistance } from '../src/modules/search/typos.js';

/**
 * A deterministic corpus of facility work orders and tickets, and the typo query set built from
 * it (issue 6): each query names a known record by two or three of its title's words, with one
 * typo in a word of 5+ letters or two typos in a word of 9+ letters. The same seed gives the same
 * records and queries on every machine.
 */

/** mulberry32: a small seeded generator, enough for shuffling words. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)]!;

const ACTIONS = [
  'Replace',
  'Inspect',
  'Repair',
  'Service',
  'Calibrate',
  'Clean',
  'Test',
  'Lubricate',
  'Tighten',
  'Install',
  'Remove',
  'Check',
  'Adjust',
  'Descale',
  'Flush',
  'Repaint',
  'Reseal',
  'Upgrade',
  'Reset',
  'Realign',
  'Investigate',
  'Patch',
  'Recharge',
  'Drain',
  'Balance',
  'Overhaul',
];
const OBJECTS = [
  'boiler',
  'chiller',
  'compressor',
  'condenser',
  'generator',
  'elevator',
  'escalator',
  'sprinkler',
  'extinguisher',
  'thermostat',
  'transformer',
  'switchboard',
  'radiator',
  'dehumidifier',
  'humidifier',
  'ventilator',
  'turnstile',
  'intercom',
  'skylight',
  'gutter',
  'shutter',
  'damper',
  'heater',
  'cistern',
  'urinal',
  'dishwasher',
  'refrigerator',
  'freezer',
  'projector',
  'barrier',
  'bollard',
  'floodlight',
  'downlight',
  'handrail',
  'staircase',
  'canopy',
  'awning',
  'fountain',
  'irrigation',
  'backflow',
  'manifold',
  'calorifier',
  'economiser',
  'inverter',
  'battery',
  'substation',
  'busbar',
  'luminaire',
  'detector',
  'sounder',
  'beacon',
  'keypad',
  'doorbell',
  'letterbox',
  'partition',
  'ceiling',
  'carpet',
  'flooring',
  'window',
  'doorframe',
  'loading bay',
  'dock leveller',
  'forklift charger',
  'water softener',
  'grease trap',
  'septic tank',
  'solar panel',
  'heat pump',
  'air handler',
  'cooling tower',
  'fire door',
  'smoke vent',
];
const PARTS = [
  'impeller',
  'bearing',
  'gasket',
  'motor',
  'sensor',
  'wiring',
  'coupling',
  'thermocouple',
  'actuator',
  'display',
  'hinge',
  'controller',
  'pressure valve',
  'drive belt',
  'control panel',
  'isolator',
  'contactor',
  'capacitor',
  'solenoid',
  'diaphragm',
  'nozzle',
  'strainer',
  'filter housing',
  'fan blade',
  'relay',
  'transducer',
  'expansion vessel',
  'float switch',
  'pilot light',
  'ignition lead',
  'timer',
  'flue',
  'insulation',
  'pipework',
  'manhole cover',
];
const PLACES = [
  'Kingsbridge',
  'Harbourside',
  'Ashworth',
  'Pemberton',
  'Whitmore',
  'Fairhaven',
  'Blackwater',
  'Greystone',
  'Thornbury',
  'Millbrook',
  'Redcliffe',
  'Oakhampton',
  'Westfield',
  'Eastleigh',
  'Northgate',
  'Southwark',
  'Brampton',
  'Clifton',
  'Davenport',
  'Ellesmere',
  'Foxhollow',
  'Glenmore',
  'Hollybush',
  'Ironbridge',
  'Juniper',
  'Kestrel',
  'Lambourne',
  'Marlborough',
  'Netherfield',
  'Oldcastle',
  'Penrith',
  'Queensway',
  'Rosewood',
  'Stonehaven',
  'Tillingham',
  'Underhill',
  'Valleyview',
  'Waverley',
  'Yarmouth',
  'Abbotsford',
  'Beaconsfield',
  'Carrington',
  'Dunmore',
  'Edgecombe',
  'Farringdon',
  'Gatehouse',
  'Hawthorne',
  'Inverness',
  'Jarrow',
  'Kirkwall',
  'Lindisfarne',
  'Montague',
  'Newhaven',
  'Ormskirk',
  'Portland',
  'Quarrybank',
  'Ravensworth',
  'Sandringham',
  'Tewkesbury',
  'Uxbridge',
  'Ventnor',
  'Wolverton',
  'Yeovil',
  'Alderley',
  'Bradwell',
  'Chesterton',
  'Dorchester',
  'Evesham',
  'Fenwick',
  'Gainsborough',
  'Hartlepool',
  'Ilkley',
  'Kenilworth',
  'Ludlow',
  'Malvern',
  'Northwich',
  'Oakley',
  'Pickering',
  'Ramsgate',
  'Stamford',
  'Thirsk',
  'Ulverston',
  'Wetherby',
  'Amberley',
  'Bexhill',
  'Cranleigh',
  'Dartmouth',
  'Exmouth',
  'Faversham',
  'Godalming',
  'Haslemere',
  'Ivybridge',
  'Keswick',
  'Lydney',
  'Midhurst',
  'Newquay',
  'Okehampton',
  'Petworth',
  'Reigate',
  'Sherborne',
  'Tenbury',
  'Wadebridge',
  'Axminster',
  'Bridport',
  'Chipping',
  'Dunster',
  'Egremont',
  'Frome',
  'Glastonbury',
  'Helston',
  'Ilminster',
  'Kingsclere',
  'Lostwithiel',
  'Minehead',
  'Nailsea',
  'Padstow',
  'Redruth',
  'Saltash',
  'Tavistock',
  'Wellington',
  'Bideford',
  'Crediton',
  'Dawlish',
  'Honiton',
  'Launceston',
  'Modbury',
  'Newlyn',
  'Porthleven',
  'Seaton',
  'Torrington',
  'Barnstaple',
  'Camborne',
  'Falmouth',
  'Holsworthy',
  'Liskeard',
  'Penzance',
  'Sidmouth',
];
const SITE_KINDS = [
  'Depot',
  'Tower',
  'Campus',
  'Library',
  'Clinic',
  'School',
  'Hall',
  'Station',
  'Warehouse',
  'Annex',
  'Plaza',
  'Court',
  'House',
  'Centre',
  'Works',
];
const SYMPTOMS = [
  'Intermittent fault',
  'Loud rattling noise',
  'Water leaking onto the floor',
  'Tripping the breaker',
  'No response from the controls',
  'Burning smell',
  'Visible corrosion',
  'Overheating under load',
  'Low pressure reading',
  'Alarm sounding without cause',
  'Vibration getting worse',
  'Cracked housing',
  'Display shows an error code',
  'Slow to start in the morning',
  'Condensation building up',
  'Door not closing fully',
  'Flickering light',
  'Blocked drain',
];
const FIRST_NAMES = [
  'Aisha',
  'Ben',
  'Chloe',
  'Dev',
  'Elena',
  'Farid',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Kemi',
  'Liam',
  'Maya',
  'Nikhil',
  'Olga',
  'Pavel',
  'Quinn',
  'Rosa',
  'Sam',
  'Tariq',
  'Uma',
  'Victor',
];
const SURNAMES = [
  'Okafor',
  'Lindqvist',
  'Moreau',
  'Nakamura',
  'Oduya',
  'Petrov',
  'Quaresma',
  'Rahman',
  'Schneider',
  'Tanaka',
  'Usman',
  'Varga',
  'Whitfield',
  'Xu',
  'Yilmaz',
  'Zielinski',
];

const capitalise = (text: string) => text[0]!.toUpperCase() + text.slice(1);

export interface CorpusRecord {
  /** The record's place in the corpus: its number is made from it. */
  index: number;
  title: string;
  description: string;
  /** The title's words that distinguish it: object, part, place. */
  keyWords: string[];
}

/** Record `index` of the work-order (kind 0) or ticket (kind 1) corpus. */
export function corpusRecord(seed: number, kind: 0 | 1, index: number): CorpusRecord {
  const random = seededRandom(seed * 1_000_003 + kind * 7_919_123 + index);
  const object = pick(random, OBJECTS);
  const part = pick(random, PARTS);
  const place = pick(random, PLACES);
  const site = `${place} ${pick(random, SITE_KINDS)}`;
  const title =
    kind === 0
      ? `${pick(random, ACTIONS)} ${object} ${part} at ${site}`
      : `${capitalise(object)} ${part} faulty in ${site}`;
  const description = `${pick(random, SYMPTOMS)}, reported by ${pick(random, FIRST_NAMES)} ${pick(
    random,
    SURNAMES,
  )} on level ${1 + Math.floor(random() * 9)}. ${pick(random, SYMPTOMS)} since last week.`;
  return { index, title, description, keyWords: [object, part, place.toLowerCase()] };
}

export interface TypoQuery {
  kind: 0 | 1;
  index: number;
  typos: 1 | 2;
  query: string;
}

const LETTERS = [...'abcdefghijklmnopqrstuvwxyz'];

/** One edit: substitute, insert, delete or swap neighbours, somewhere after the first letter. */
function edit(word: string, random: () => number): string {
  const at = 1 + Math.floor(random() * (word.length - 2));
  switch (Math.floor(random() * 4)) {
    case 0:
      return word.slice(0, at) + pick(random, LETTERS) + word.slice(at + 1);
    case 1:
      return word.slice(0, at) + pick(random, LETTERS) + word.slice(at);
    case 2:
      return word.slice(0, at) + word.slice(at + 1);
    default:
      return word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
  }
}

/** `word` with exactly `typos` typos (checked with the search's own typo distance). */
function misspell(word: string, typos: 1 | 2, random: () => number): string {
  for (;;) {
    let typo = word;
    for (let i = 0; i < typos; i++) typo = edit(typo, random);
    if (typoDistance(typo, word, 2) === typos) return typo;
  }
}

/**
 * `count` queries of each typo class over the first `size` records of each kind. A query is the
 * record's three key words (object, part, place: 1 in 367,500 combinations, so few records share
 * them) in title order, one misspelled: a word of 5+ letters with 1 typo, or of 9+ with 2. Only
 * records whose key words are single words are asked for, so every query has three words.
 * Another `stream` draws other queries over the same corpus (a warm-up set).
 */
export function typoQueries(seed: number, size: number, count: number, stream = 0): TypoQuery[] {
  const random = seededRandom((seed ^ 0x5eed) + stream);
  const queries: TypoQuery[] = [];
  for (const typos of [1, 2] as const) {
    while (queries.filter((q) => q.typos === typos).length < count) {
      const kind = random() < 0.5 ? 0 : 1;
      const index = Math.floor(random() * size);
      const words = corpusRecord(seed, kind, index).keyWords;
      if (words.some((word) => word.includes(' '))) continue;
      const candidates = words.filter((word) => word.length >= (typos === 1 ? 5 : 9));
      if (candidates.length === 0) continue;
      const target = pick(random, candidates);
      const query = words.map((word) => (word === target ? misspell(word, typos, random) : word));
      queries.push({ kind, index, typos, query: query.join(' ') });
    }
  }
  return queries;
}
