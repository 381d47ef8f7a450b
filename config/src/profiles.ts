/**
 * Seed kiosk configuration profiles: config/profiles/<name>.json, one
 * ProfileBody each, named after the file. booth-server loads and checks them
 * at start-up and refuses to start on anything wrong, naming the file and the
 * field (`profiles/library.json: languages[2]: unknown language "xx"`). A seed
 * creates its profile's version 1 when the store has no such profile; after
 * that the store is the profile's home and changes go through the API.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROFILE_NAME_PATTERN, checkProfileBody, type ProfileBody, type ProfileCatalogue } from '@citizen/protocol';
import { CONFIG_DIR } from './loadConfig';

export class ProfileSeedError extends Error {
  readonly code = 'PROFILE_SEED_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`invalid kiosk profile seeds:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ProfileSeedError';
  }
}

export interface ProfileSeed {
  name: string;
  body: ProfileBody;
}

const NAME = new RegExp(PROFILE_NAME_PATTERN);

/** Every seed in `dir` (default config/profiles), checked against the site's flows and languages; throws ProfileSeedError listing every problem. */
export function loadProfileSeeds(catalogue: ProfileCatalogue, dir = join(CONFIG_DIR, 'profiles')): ProfileSeed[] {
  if (!existsSync(dir)) return [];
  const problems: string[] = [];
  const seeds: ProfileSeed[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const where = `profiles/${file}`;
    const name = file.slice(0, -5);
    if (!NAME.test(name)) {
      problems.push(`${where}: the file name is the profile's name and must match ${PROFILE_NAME_PATTERN}`);
      continue;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (err) {
      problems.push(`${where}: not valid JSON (${(err as Error).message})`);
      continue;
    }
    const found = checkProfileBody(raw, catalogue);
    if (found.length > 0) problems.push(...found.map((p) => `${where}: ${p}`));
    else seeds.push({ name, body: raw as ProfileBody });
  }
  if (problems.length > 0) throw new ProfileSeedError(problems);
  return seeds;
}
