// Every `agentLens.*` setting in one place: its type, default, and what a change needs. Read
// through `readSettings`, which checks each value and falls back to the default with a problem
// message (a bad setting never breaks activation). package.json's contributes.configuration is
// checked against this table by a test. Editor-free, so it is unit-tested in Node.

import { parsePriceOverrides, type PriceOverride } from '../priceOverrides';

export type Effect = 'restart' | 'environment' | 'none';

interface Spec<T> { default: T; effect: Effect; check(v: unknown): v is T; describe: string }

const num = (min: number, max: number) => (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const str = (v: unknown): v is string => typeof v === 'string';
const bool = (v: unknown): v is boolean => typeof v === 'boolean';
export interface PathMappingSetting { from: string; to: string }
const mappings = (v: unknown): v is PathMappingSetting[] => Array.isArray(v) && v.every((m) => !!m && typeof m === 'object'
  && typeof (m as PathMappingSetting).from === 'string' && (m as PathMappingSetting).from !== '' && typeof (m as PathMappingSetting).to === 'string' && (m as PathMappingSetting).to !== '');
/** Origins as the CLI's --cors-origin takes them: scheme://host[:port], no path. */
const origins = (v: unknown): v is string[] => Array.isArray(v) && v.every((o) => typeof o === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(o));

export type { PriceOverride };
/** The receiver's own validator: what passes here passes `--prices`. */
const prices = (v: unknown): v is PriceOverride[] => { try { parsePriceOverrides(v); return true; } catch { return false; } };

export const SETTINGS = {
  'server.httpPort': { default: 4318, effect: 'restart', check: num(0, 65535), describe: 'an integer port, 0–65535' } as Spec<number>,
  'server.grpcPort': { default: 4317, effect: 'restart', check: num(0, 65535), describe: 'an integer port, 0–65535' } as Spec<number>,
  'server.host': { default: '127.0.0.1', effect: 'restart', check: str, describe: 'a host address' } as Spec<string>,
  'server.dataDir': { default: '', effect: 'restart', check: str, describe: 'a directory path, or "" for the default' } as Spec<string>,
  'server.persist': { default: true, effect: 'restart', check: bool, describe: 'true or false' } as Spec<boolean>,
  'server.maxMemoryMb': { default: 512, effect: 'restart', check: num(128, 65536), describe: 'megabytes, 128–65536' } as Spec<number>,
  'server.corsOrigins': { default: [], effect: 'restart', check: origins, describe: 'a list of origins such as "http://my-app.test:8080" (scheme://host[:port])' } as Spec<string[]>,
  'server.retentionDays': { default: 7, effect: 'restart', check: num(1, 3650), describe: 'days, 1–3650' } as Spec<number>,
  'server.idleExitMinutes': { default: 30, effect: 'restart', check: num(0, 10080), describe: 'minutes, 0–10080 (0: never)' } as Spec<number>,
  'capture.injectEnvironment': { default: true, effect: 'environment', check: bool, describe: 'true or false' } as Spec<boolean>,
  'capture.batchDelayMs': { default: 200, effect: 'environment', check: num(0, 60000), describe: 'milliseconds, 0–60000' } as Spec<number>,
  'capture.callSites': { default: true, effect: 'environment', check: bool, describe: 'true or false' } as Spec<boolean>,
  'capture.noticeLateRuns': { default: true, effect: 'none', check: bool, describe: 'true or false' } as Spec<boolean>,
  'capture.messageContent': { default: true, effect: 'environment', check: bool, describe: 'true or false' } as Spec<boolean>,
  'live.gate': { default: true, effect: 'environment', check: bool, describe: 'true or false' } as Spec<boolean>,
  'live.pauseTimeoutSeconds': { default: 600, effect: 'environment', check: num(1, 86400), describe: 'seconds, 1–86400' } as Spec<number>,
  'source.pathMappings': { default: [], effect: 'none', check: mappings, describe: 'a list of {"from": "/app", "to": "${workspaceFolder}/service"}' } as Spec<PathMappingSetting[]>,
  'codeLens.enabled': { default: true, effect: 'none', check: bool, describe: 'true or false' } as Spec<boolean>,
  'codeLens.windowMinutes': { default: 60, effect: 'none', check: num(1, 43200), describe: 'minutes, 1–43200' } as Spec<number>,
  'insights.creepRatio': { default: 2, effect: 'none', check: (v: unknown): v is number => typeof v === 'number' && v > 1 && v <= 100, describe: 'a number above 1 and at most 100 (2: twice the first turn)' } as Spec<number>,
  'insights.creepSteadyRatio': { default: 1.5, effect: 'none', check: (v: unknown): v is number => typeof v === 'number' && v > 1 && v <= 100, describe: 'a number above 1 and at most 100 (1.5: half as much again as the first turn)' } as Spec<number>,
  'prices.overrides': { default: [], effect: 'restart', check: prices, describe: 'a list of {model, input, output, cacheRead?, cacheWrite?}: prices in USD per million tokens, numbers >= 0' } as Spec<PriceOverride[]>,
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type Settings = { [K in SettingKey]: (typeof SETTINGS)[K]['default'] };

/** Reads every setting through `get` (the editor's configuration), checked. */
export function readSettings(get: (key: SettingKey) => unknown): { settings: Settings; problems: string[] } {
  const settings = {} as Record<SettingKey, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const spec = SETTINGS[key] as Spec<unknown>;
    const v = get(key);
    if (v === undefined || v === null) settings[key] = spec.default;
    else if (spec.check(v)) settings[key] = v;
    else {
      settings[key] = spec.default;
      problems.push(`agentLens.${key} should be ${spec.describe}; got ${JSON.stringify(v)}. Using ${JSON.stringify(spec.default)}.`);
    }
  }
  return { settings: settings as Settings, problems };
}

/** What a change of these keys needs, the strongest first. */
export function effectOf(keys: readonly SettingKey[]): Effect {
  const effects = new Set(keys.map((k) => SETTINGS[k].effect));
  return effects.has('restart') ? 'restart' : effects.has('environment') ? 'environment' : 'none';
}

/** What the editor says of a port another program holds: the setting to change, and the free port when one was found (not the CLI's flag). */
export function portInUseText(port: number, suggestion: number | null, key: 'server.httpPort' | 'server.grpcPort'): string {
  return `Port ${port} is taken by another program, so the receiver cannot start there. Set agentLens.${key} to a free port${suggestion ? ` (${suggestion} is free: the notification offers it)` : ''}.`;
}
