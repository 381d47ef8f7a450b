/**
 * Skills as an administrator types them: `da 3, en 2` (key and level 1-3,
 * comma-separated). Checked against the same patterns as the server's schema
 * (protocol's AgentSkills), so a mistake is shown before anything is sent.
 */
import { AgentSkills, type SkillLevel } from '@citizen/protocol';

export type SkillList = Record<string, SkillLevel>;
export type Parsed = { ok: true; value: SkillList } | { ok: false; error: string };

export function formatSkills(list: SkillList): string {
  return Object.entries(list)
    .map(([k, level]) => `${k} ${level}`)
    .join(', ');
}

export function parseSkills(text: string, kind: 'languages' | 'topics'): Parsed {
  // The record's key pattern, as the schema spells it (TypeBox keeps it as the one patternProperties key).
  const pattern = new RegExp(Object.keys(AgentSkills.properties[kind].patternProperties)[0] ?? '^$');
  const value: SkillList = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\S+)\s*[: ]\s*([1-3])$/.exec(part);
    if (!m) return { ok: false, error: `“${part}”: write a ${kind === 'languages' ? 'language code' : 'topic'} and a level 1-3, e.g. ${kind === 'languages' ? 'da 3' : 'passport 2'}` };
    const [, key, level] = m;
    if (!key || !pattern.test(key)) return { ok: false, error: `“${key}” is not a ${kind === 'languages' ? 'language code (two or three lower-case letters)' : 'topic key (lower-case letters, digits, hyphens)'}` };
    value[key] = Number(level) as SkillLevel;
  }
  return { ok: true, value };
}
