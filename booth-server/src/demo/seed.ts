/**
 * Demo accounts and the demo kiosk, created on start-up when `demo.seed` is
 * on (`npm start` and tests only; a site config leaves it off). Idempotent:
 * existing users are left alone; the demo kiosk gets an enrolment code
 * whenever it needs one (seedDemo).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { kioskId, userId, type AgentSkills, type Role } from '@citizen/protocol';
import { hashPassword, verifyPassword } from '../auth/secrets';
import { createKiosk, issueEnrolmentCode } from '../kiosks/routes';
import type { Store } from '../store/Store';

export interface DemoAccount {
  username: string;
  password: string;
  displayName: string;
  role: Role;
  skills: AgentSkills;
}

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  {
    username: 'anna',
    password: 'demo-agent',
    displayName: 'Anna Holm',
    role: 'agent',
    skills: { languages: { da: 3, en: 2 }, topics: { 'housing-benefit': 3, 'moving-address': 2, passport: 2, general: 2, childcare: 2, parking: 2, street: 1 } },
  },
  {
    username: 'omar',
    password: 'demo-agent',
    displayName: 'Omar Haddad',
    role: 'agent',
    skills: { languages: { da: 2, ar: 3, en: 3 }, topics: { passport: 3, 'health-card': 2, general: 2, eid: 3, tourist: 2 } },
  },
  { username: 'sara', password: 'demo-supervisor', displayName: 'Sara Lund', role: 'supervisor', skills: { languages: { da: 3, en: 3, nb: 2 }, topics: {} } },
  { username: 'tech', password: 'demo-tech', displayName: 'Teo Nielsen', role: 'technician', skills: { languages: { da: 3, en: 2 }, topics: {} } },
  { username: 'admin', password: 'demo-admin', displayName: 'Ida Madsen', role: 'admin', skills: { languages: { da: 3, en: 2 }, topics: {} } },
];

export const DEMO_KIOSK = {
  id: 'k-demo-central-1',
  name: 'Borgerservice Mini',
  location: 'Central Station, main hall',
  languages: ['da', 'en', 'uk', 'ar'],
} as const;

/** How long the demo kiosk's code works when the caller does not say (auth.kioskEnrolmentCodeMinutes' default). */
const DEMO_CODE_LIFETIME_MS = 30 * 60_000;

/**
 * Creates the demo accounts and the demo kiosk. When the demo kiosk has no
 * key yet, or the kiosk shell's identity file (`identityFile`) is gone, a
 * fresh enrolment code is written to `codeFile`: the demo shell enrols with
 * it on its first start and deletes it (kiosk/src/identity.ts).
 */
export async function seedDemo(store: Store, codeFile: string, opts: { identityFile?: string; now?: Date; codeLifetimeMs?: number } = {}): Promise<void> {
  for (const a of DEMO_ACCOUNTS) {
    if (await store.findUserByUsername(a.username)) continue;
    await store.createUser({
      id: userId(`u-${randomBytes(8).toString('hex')}`),
      username: a.username,
      displayName: a.displayName,
      role: a.role,
      skills: a.skills,
      passwordHash: await hashPassword(a.password),
    });
  }

  const id = kioskId(DEMO_KIOSK.id);
  const now = opts.now ?? new Date();
  const codeLifetimeMs = opts.codeLifetimeMs ?? DEMO_CODE_LIFETIME_MS;
  const existing = await store.findKiosk(id);
  let code: string;
  if (!existing) {
    ({ enrolment: { code } } = await createKiosk(store, { ...DEMO_KIOSK, languages: [...DEMO_KIOSK.languages] }, { by: 'system', now, codeLifetimeMs }));
  } else {
    const enrolled = existing.publicKey !== null && existing.revokedAt === null;
    if (enrolled && (!opts.identityFile || identityFileNames(opts.identityFile, id))) return;
    ({ code } = await issueEnrolmentCode(store, id, 'system', now, codeLifetimeMs));
  }
  mkdirSync(dirname(codeFile), { recursive: true });
  writeFileSync(codeFile, `${code}\n`, { mode: 0o600 });
}

/** Whether the kiosk shell's identity file is there and is the demo kiosk's (its key is not read: it may be OS-encrypted). */
function identityFileNames(file: string, id: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { kioskId?: unknown }).kioskId === id;
  } catch {
    return false;
  }
}

/**
 * Usernames of demo accounts that still have their published demo password.
 * booth-server refuses to start with any of them unless it runs the demo:
 * a site that once ran the demo (or copied its database) must not keep
 * accounts anyone can look up the password of.
 */
export async function accountsWithDemoPasswords(store: Store): Promise<string[]> {
  const found: string[] = [];
  for (const a of DEMO_ACCOUNTS) {
    const user = await store.findUserByUsername(a.username);
    if (user && (await verifyPassword(a.password, user.passwordHash))) found.push(a.username);
  }
  return found;
}
