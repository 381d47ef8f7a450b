/**
 * The kiosk's content: the languages it offers (config/messages/languages.json),
 * a message catalogue per language (config/messages/<code>.json, ICU
 * MessageFormat) and the guided flows (config/flows/<id>.json, home-screen
 * order in config/flows/order.json). Loaded and checked once at the shell's
 * start-up; anything wrong is refused with an error that names the file, the
 * flow, the step and the field, or the language and the key:
 *
 *  - every flow against its schema, then as a graph: unique step ids, a
 *    start that exists, every `next` and branch pointing at a step, every
 *    step reachable, an end on every path (no step without a way on);
 *    anonymous flows have no card step, no field marked personal and no
 *    submit;
 *  - every catalogue has exactly the keys of the reference language
 *    (English), each message parses as ICU MessageFormat and uses the same
 *    arguments as the reference; every key a flow names exists.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { FlowDefinition, KioskLanguage, MessageCatalogue, REFERENCE_LANGUAGE, STEP_SCHEMAS, type FlowStep, type KioskContent, type Next } from '@citizen/protocol';
import { Type } from '@sinclair/typebox';
import { CONFIG_DIR } from './loadConfig';

export { REFERENCE_LANGUAGE };

export class KioskContentError extends Error {
  readonly code = 'KIOSK_CONTENT_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`invalid kiosk content:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'KioskContentError';
  }
}

export interface LoadedKioskContent extends Omit<KioskContent, 'greetings' | 'catalogues'> {
  messages: Record<string, MessageCatalogue>;
}

const readJson = (file: string, problems: string[]): unknown => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${file}: not valid JSON (${(err as Error).message})`);
    return undefined;
  }
};

/** Loads and checks the kiosk's languages, catalogues and flows; throws KioskContentError listing every problem. */
export function loadKioskContent(dir = CONFIG_DIR): LoadedKioskContent {
  const problems: string[] = [];
  const messagesDir = join(dir, 'messages');
  const flowsDir = join(dir, 'flows');

  const languagesRaw = readJson(join(messagesDir, 'languages.json'), problems);
  const languages = Value.Check(Type.Array(KioskLanguage, { minItems: 1 }), languagesRaw) ? (languagesRaw as KioskContent['languages']) : [];
  if (languagesRaw !== undefined && languages.length === 0) problems.push(`${join(messagesDir, 'languages.json')}: must be a list of { code, name, dir }`);
  if (!languages.some((l) => l.code === REFERENCE_LANGUAGE)) problems.push(`languages.json: the reference language ${REFERENCE_LANGUAGE} must be offered`);

  const messages: Record<string, MessageCatalogue> = {};
  for (const { code } of languages) {
    const file = join(messagesDir, `${code}.json`);
    if (!existsSync(file)) {
      problems.push(`${file}: missing (languages.json offers ${code})`);
      continue;
    }
    const raw = readJson(file, problems);
    if (raw === undefined) continue;
    const first = Value.Errors(MessageCatalogue, raw).First();
    if (first) problems.push(`${file}: ${first.path || '(root)'}: ${first.message}`);
    else messages[code] = raw as MessageCatalogue;
  }
  problems.push(...checkCatalogues(messages));

  const flows: KioskContent['flows'] = [];
  const orderRaw = readJson(join(flowsDir, 'order.json'), problems);
  const order = Array.isArray(orderRaw) && orderRaw.every((x) => typeof x === 'string') ? (orderRaw as string[]) : [];
  if (orderRaw !== undefined && order.length === 0) problems.push(`${join(flowsDir, 'order.json')}: must list the flow ids in home-screen order`);
  const files = existsSync(flowsDir) ? readdirSync(flowsDir).filter((f) => f.endsWith('.json') && f !== 'order.json') : [];
  for (const id of order) if (!files.includes(`${id}.json`)) problems.push(`flows/order.json: no flow file ${id}.json`);
  for (const f of files) if (!order.includes(f.slice(0, -5))) problems.push(`flows/${f}: not in flows/order.json (it would never show)`);
  const keys = new Set(Object.keys(messages[REFERENCE_LANGUAGE] ?? {}));
  for (const id of order) {
    const file = join(flowsDir, `${id}.json`);
    if (!existsSync(file)) continue;
    const raw = readJson(file, problems);
    if (raw === undefined) continue;
    const schemaProblems = flowSchemaProblems(raw);
    if (schemaProblems.length > 0) {
      problems.push(...schemaProblems.map((p) => `flow ${id}: ${p}`));
      continue;
    }
    const flow = raw as FlowDefinition;
    if (flow.id !== id) problems.push(`flow ${id}: its id is ${flow.id}; the file must be named after it`);
    problems.push(...checkFlow(flow, keys).map((p) => `flow ${flow.id}: ${p}`));
    flows.push(flow);
  }
  if (problems.length > 0) throw new KioskContentError(problems);
  return { languages, flows, messages };
}

/** Schema errors named by step and field: `step plate, field input: ...`. */
function flowSchemaProblems(raw: unknown): string[] {
  if (Value.Check(FlowDefinition, raw)) return [];
  const out: string[] = [];
  const steps = (raw as { steps?: unknown }).steps;
  const field = (path: string): string => path.replace(/^\//, '').replace(/\//g, '.');
  for (const e of Value.Errors(FlowDefinition, raw)) {
    const m = /^\/steps\/(\d+)(?:\/(.*))?$/.exec(e.path);
    if (m && Array.isArray(steps)) {
      const step = steps[Number(m[1])] as { id?: unknown; type?: unknown } | undefined;
      const name = `step ${typeof step?.id === 'string' ? step.id : `#${m[1]}`}`;
      const type = typeof step?.type === 'string' ? step.type : undefined;
      const own = type !== undefined && Object.hasOwn(STEP_SCHEMAS, type) ? STEP_SCHEMAS[type as keyof typeof STEP_SCHEMAS] : undefined;
      if (!own) out.push(`${name}, field type: ${JSON.stringify(step?.type)} is not a step type (${Object.keys(STEP_SCHEMAS).join(', ')})`);
      // A union's own error says little: check the step against its type's schema for the field.
      else for (const se of Value.Errors(own, step)) out.push(`${name}, field ${se.path ? field(se.path) : '(step)'}: ${se.message} (a ${type} step)`);
    } else out.push(`${e.path ? `field ${field(e.path)}` : '(flow)'}: ${e.message}`);
    if (out.length >= 10) break;
  }
  return [...new Set(out)];
}

const TERMINAL = new Set<FlowStep['type']>(['talk', 'leave', 'status', 'end']);

export function nextTargets(step: FlowStep): string[] {
  const out: string[] = [];
  const add = (n: Next | undefined): void => {
    if (n === undefined) return;
    if (typeof n === 'string') out.push(n);
    else out.push(...n.when.map((w) => w.next), n.else);
  };
  if ('next' in step) add(step.next);
  if (step.type === 'choice') for (const o of step.options) if (o.next) out.push(o.next);
  return out;
}

/** The flow as a graph, and the message keys it names. */
export function checkFlow(flow: FlowDefinition, keys: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const byId = new Map<string, FlowStep>();
  for (const s of flow.steps) {
    if (byId.has(s.id)) problems.push(`step ${s.id}: the id is used twice`);
    byId.set(s.id, s);
  }
  if (!byId.has(flow.start)) problems.push(`field start: no step ${flow.start}`);
  const key = (k: string, where: string): void => {
    if (keys.size > 0 && !keys.has(k)) problems.push(`${where}: no message ${k} in the ${REFERENCE_LANGUAGE} catalogue`);
  };
  key(flow.title, 'field title');
  key(flow.summary, 'field summary');
  for (const [name, k] of Object.entries(flow.answerLabels ?? {})) key(k, `field answerLabels.${name}`);
  const answers = new Set<string>();
  for (const s of flow.steps) {
    key(s.title, `step ${s.id}, field title`);
    if (s.body) key(s.body, `step ${s.id}, field body`);
    if (s.type === 'info') for (const b of s.bullets ?? []) key(b, `step ${s.id}, field bullets`);
    if (s.type === 'choice') {
      for (const o of s.options) key(o.label, `step ${s.id}, option ${o.value}, field label`);
      if (s.options.some((o) => !o.next) && !s.next) problems.push(`step ${s.id}, field next: an option without its own next needs the step's next`);
      if (new Set(s.options.map((o) => o.value)).size !== s.options.length) problems.push(`step ${s.id}, field options: two options have the same value`);
    }
    if (s.type === 'field') {
      if (s.help) key(s.help, `step ${s.id}, field help`);
      if (s.input === 'national-id' && !s.country) problems.push(`step ${s.id}, field country: a national-id field says whose numbers (no, dk)`);
      if (s.minLength !== undefined && s.maxLength !== undefined && s.minLength > s.maxLength) problems.push(`step ${s.id}, field minLength: more than maxLength`);
    }
    if (s.type === 'card') key(s.consent, `step ${s.id}, field consent`);
    if (s.type === 'print') {
      key(s.document.title, `step ${s.id}, field document.title`);
      for (const l of s.document.lines) key(l, `step ${s.id}, field document.lines`);
    }
    if ('answer' in s) {
      if (answers.has(s.answer)) problems.push(`step ${s.id}, field answer: ${s.answer} is asked twice`);
      answers.add(s.answer);
    }
    for (const t of nextTargets(s)) if (!byId.has(t)) problems.push(`step ${s.id}, field next: no step ${t}`);
    if ('next' in s && s.next !== undefined && typeof s.next !== 'string') {
      for (const w of s.next.when) if (!flow.steps.some((o) => 'answer' in o && o.answer === w.answer)) problems.push(`step ${s.id}, field next: no step asks ${w.answer}`);
    }
    if (flow.anonymous) {
      if (s.type === 'card') problems.push(`step ${s.id}: an anonymous flow reads no card`);
      if (s.type === 'submit') problems.push(`step ${s.id}: an anonymous flow keeps nothing (no submit)`);
      if (s.type === 'field' && ['national-id', 'email', 'phone'].includes(s.input)) problems.push(`step ${s.id}: an anonymous flow asks nothing personal (${s.input})`);
    }
  }
  // Every step reachable from the start; from every step a terminal step reachable.
  const reach = new Set<string>();
  const walk = [flow.start];
  while (walk.length) {
    const id = walk.pop()!;
    if (reach.has(id) || !byId.has(id)) continue;
    reach.add(id);
    walk.push(...nextTargets(byId.get(id)!));
  }
  for (const s of flow.steps) if (!reach.has(s.id)) problems.push(`step ${s.id}: not reachable from the start`);
  const ends = new Set(flow.steps.filter((s) => TERMINAL.has(s.type)).map((s) => s.id));
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of flow.steps) if (!ends.has(s.id) && nextTargets(s).some((t) => ends.has(t))) ends.add(s.id), (grew = true);
  }
  for (const s of flow.steps) if (!ends.has(s.id)) problems.push(`step ${s.id}: no way on to an end from here`);
  return problems;
}

/** The arguments a message uses (`{name}`, plural and select arguments), sorted. */
function argumentsOf(elements: MessageFormatElement[], out = new Set<string>()): Set<string> {
  for (const e of elements) {
    if (e.type === TYPE.argument || e.type === TYPE.number || e.type === TYPE.date || e.type === TYPE.time) out.add(e.value);
    else if (e.type === TYPE.plural || e.type === TYPE.select) {
      out.add(e.value);
      for (const o of Object.values(e.options)) argumentsOf(o.value, out);
    } else if (e.type === TYPE.tag) argumentsOf(e.children, out);
  }
  return out;
}

/** Every language has the reference's keys, no others; every message parses and takes the reference's arguments. */
export function checkCatalogues(messages: Record<string, MessageCatalogue>): string[] {
  const problems: string[] = [];
  const ref = messages[REFERENCE_LANGUAGE];
  if (!ref) return problems;
  const refArgs = new Map<string, string>();
  for (const [lang, cat] of Object.entries(messages)) {
    for (const [key, text] of Object.entries(cat)) {
      let args: string;
      try {
        args = [...argumentsOf(parse(text, { requiresOtherClause: true }))].sort().join(',');
      } catch (err) {
        problems.push(`messages ${lang}, key ${key}: not valid ICU MessageFormat (${(err as { message?: string }).message ?? String(err)})`);
        continue;
      }
      if (lang === REFERENCE_LANGUAGE) refArgs.set(key, args);
      else if (ref[key] !== undefined) {
        const want = (() => {
          try {
            return [...argumentsOf(parse(ref[key]!, { requiresOtherClause: true }))].sort().join(',');
          } catch {
            return args;
          }
        })();
        if (want !== args) problems.push(`messages ${lang}, key ${key}: uses {${args}}, the ${REFERENCE_LANGUAGE} text uses {${want}}`);
      }
      if (ref[key] === undefined) problems.push(`messages ${lang}, key ${key}: not in the ${REFERENCE_LANGUAGE} catalogue`);
    }
    if (lang !== REFERENCE_LANGUAGE) for (const key of Object.keys(ref)) if (cat[key] === undefined) problems.push(`messages ${lang}: missing key ${key}`);
  }
  return problems;
}
