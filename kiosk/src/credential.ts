import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { KIOSK_AUTH_SCHEME } from '@citizen/protocol';

export const KioskCredentialFile = Type.Object(
  { kioskId: Type.String({ minLength: 1 }), credential: Type.String({ minLength: 16 }) },
  { additionalProperties: false },
);
export type KioskCredentialFile = Static<typeof KioskCredentialFile>;

/** Reads and validates the kiosk's credential file; errors name the file and the problem. */
export async function readKioskCredential(file: string): Promise<KioskCredentialFile> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw Object.assign(new Error(`kiosk credential file ${file}: ${(err as Error).message}`), { code: 'KIOSK_CREDENTIAL_UNREADABLE' });
  }
  const first = Value.Errors(KioskCredentialFile, json).First();
  if (first) {
    throw Object.assign(new Error(`kiosk credential file ${file}: ${first.path || '(root)'}: ${first.message}`), {
      code: 'KIOSK_CREDENTIAL_INVALID',
    });
  }
  return json as KioskCredentialFile;
}

export function kioskAuthHeader(c: KioskCredentialFile): string {
  return `${KIOSK_AUTH_SCHEME} ${c.kioskId}:${c.credential}`;
}
