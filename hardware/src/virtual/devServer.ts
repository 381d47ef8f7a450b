/**
 * The demo's control endpoint for the virtual hardware: present a card of any
 * protocol, put the printer into paper-out / cover-open / offline, unplug and
 * replug either device. Development only: main.ts starts it for `npm start`,
 * on loopback, and it refuses requests carrying an Origin header (so no web
 * page can drive it) or a non-loopback Host (DNS rebinding).
 *
 *   GET  /                      what is here, and the printer's state
 *   POST /card/<kind>           {"id"?: string}   kind: magstripe | rfid-em4100 | barcode-line
 *   POST /printer               {"paperOut"?, "coverOpen"?, "paperNearEnd"?, "offline"?: boolean}
 *   POST /<device>/unplug|replug   device: printer | card-reader
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { CardKind } from '../card/CardNumber';
import { CARD_KINDS } from './cardFrames';
import type { VirtualCardReader } from './VirtualCardReader';
import type { VirtualPrinter } from './VirtualPrinter';

const CardBody = Type.Object({ id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' })) }, { additionalProperties: false });
const PrinterBody = Type.Object(
  { paperOut: Type.Optional(Type.Boolean()), coverOpen: Type.Optional(Type.Boolean()), paperNearEnd: Type.Optional(Type.Boolean()), offline: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const ID_FORMAT: Record<CardKind, RegExp> = { magstripe: /^\d{12,19}$/, 'rfid-em4100': /^[0-9A-Fa-f]{10}$/, 'barcode-line': /^[\x21-\x7e]{1,64}$/ };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let raw = '';
  for await (const chunk of req) {
    raw += String(chunk);
    if (raw.length > 4096) throw new HttpError(413, 'DEV_BODY_TOO_LARGE', 'body over 4 kB');
  }
  if (!raw.trim()) return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'DEV_BAD_JSON', 'body is not JSON');
  }
}

function check<T extends typeof CardBody | typeof PrinterBody>(schema: T, value: unknown): Static<T> {
  const first = Value.Errors(schema, value).First();
  if (first) throw new HttpError(400, 'DEV_BAD_BODY', `${first.path || '(body)'}: ${first.message}`);
  return value as Static<T>;
}

export function createDevServer(devices: { printer: VirtualPrinter; cardReader: VirtualCardReader }): Server {
  const { printer, cardReader } = devices;
  const state = () => ({
    printer: { running: printer.running, condition: printer.condition, receipts: printer.receipts.length, lastReceipt: printer.receipts.at(-1)?.files ?? null },
    cardReader: { running: cardReader.running },
    cardKinds: CARD_KINDS,
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<unknown> => {
    if (req.headers.origin !== undefined || !/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(req.headers.host ?? '')) {
      throw new HttpError(403, 'DEV_FORBIDDEN', 'the virtual hardware endpoint takes requests from local tools only');
    }
    const url = new URL(req.url ?? '/', 'http://local');
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'GET' && parts.length === 0) return { endpoints: ['POST /card/<kind>', 'POST /printer', 'POST /printer/unplug|replug', 'POST /card-reader/unplug|replug'], ...state() };
    if (req.method !== 'POST') throw new HttpError(405, 'DEV_METHOD', 'use POST');
    const [what, action] = parts;
    if (what === 'card' && action) {
      if (!(CARD_KINDS as readonly string[]).includes(action)) throw new HttpError(404, 'DEV_UNKNOWN_KIND', `card kind must be one of ${CARD_KINDS.join(', ')}`);
      const kind = action as CardKind;
      const body = check(CardBody, await readJson(req));
      if (body.id !== undefined && !ID_FORMAT[kind].test(body.id)) throw new HttpError(400, 'DEV_BAD_BODY', `/id: not a ${kind} identifier`);
      if (!cardReader.running) throw new HttpError(409, 'DEV_UNPLUGGED', 'the card reader is unplugged');
      await cardReader.present(kind, body.id);
      return { presented: kind };
    }
    if (what === 'printer' && !action) {
      printer.setCondition(check(PrinterBody, await readJson(req)));
      return state();
    }
    if ((what === 'printer' || what === 'card-reader') && (action === 'unplug' || action === 'replug')) {
      const dev = what === 'printer' ? printer : cardReader;
      await (action === 'unplug' ? dev.unplug() : dev.replug());
      return state();
    }
    throw new HttpError(404, 'DEV_NOT_FOUND', `no route ${req.method} ${url.pathname}`);
  };

  return createServer((req, res) => {
    handle(req, res).then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`${JSON.stringify(body)}\n`);
      },
      (err: unknown) => {
        const e = err instanceof HttpError ? err : new HttpError(500, 'DEV_INTERNAL', err instanceof Error ? err.message : String(err));
        res.writeHead(e.status, { 'content-type': 'application/json' });
        res.end(`${JSON.stringify({ statusCode: e.status, code: e.code, message: e.message })}\n`);
      },
    );
  });
}
