/**
 * Demo accounts and the demo kiosk, created on start-up when `demo.seed` is
 * on (`npm start` and tests only; a site config leaves it off). Idempotent:
 * existing users are left alone; the demo kiosk's credential is (re)written
 * to the credential file the kiosk shell reads.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { kioskId, userId, type AgentSkills, type Role } from '@citizen/protocol';
import { hashPassword, hashSecret, newSecret, secretMatches, verifyPassword } from '../auth/secrets';
import { enrolKiosk } from '../kiosks/routes';
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

export interface KioskCredentialFile {
  kioskId: string;
  credential: string;
}

export async function seedDemo(store: Store, credentialFile: string): Promise<void> {
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
  const existing = await store.findKiosk(id);
  const onDisk = readCredentialFile(credentialFile);
  if (existing && onDisk?.kioskId === id && secretMatches(onDisk.credential, existing.credentialHash)) return;

  let credential: string;
  if (existing) {
    credential = newSecret();
    await store.setKioskCredential(id, hashSecret(credential));
  } else {
    ({ credential } = await enrolKiosk(store, { ...DEMO_KIOSK, languages: [...DEMO_KIOSK.languages] }));
  }
  writeCredentialFile(credentialFile, { kioskId: id, credential });
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

export function readCredentialFile(file: string): KioskCredentialFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<KioskCredentialFile>;
    return typeof parsed.kioskId === 'string' && typeof parsed.credential === 'string'
      ? { kioskId: parsed.kioskId, credential: parsed.credential }
      : undefined;
  } catch {
    return undefined;
  }
}

function writeCredentialFile(file: string, content: KioskCredentialFile): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
}
