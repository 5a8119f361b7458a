// The capture environment: terminals and debug sessions of this window get the OpenTelemetry
// variables (and the call-site helpers) that send an app's runs to the receiver, with no set-up
// in the app. The plan itself is editor-free (captureEnv.ts); this applies it.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { capturePlan, withCaptureEnv, type CapturePlan } from '../captureEnv';
import type { Ctx } from './ctx';

export interface Capture {
  /** Applies the plan for the current receiver and settings (none while disconnected). */
  apply(): void;
  plan(): CapturePlan;
}

export function registerCapture(ctx: Ctx): Capture {
  const { ext, log } = ctx;
  let plan: CapturePlan = { env: {}, append: {}, prepend: {}, notes: [] };
  const apply = () => {
    const client = ctx.connection.client;
    const coll = ext.environmentVariableCollection;
    coll.clear();
    if (!client) return;
    const s = ctx.settings;
    plan = capturePlan(client.endpoint, {
      inject: s['capture.injectEnvironment'], trusted: vscode.workspace.isTrusted,
      batchDelayMs: s['capture.batchDelayMs'], messageContent: s['capture.messageContent'],
      callSites: s['capture.callSites'], nodeHelper: ext.asAbsolutePath(path.join('dist', 'capture-node.js')),
      pythonHelperDir: ext.asAbsolutePath(path.join('dist', 'capture-python')), pathDelimiter: path.delimiter,
      ...(s['live.gate'] ? { live: { token: client.state.token, pauseTimeoutSeconds: s['live.pauseTimeoutSeconds'] } } : {}),
    }, process.env);
    coll.persistent = false;
    coll.description = `Agent Lens: send OpenTelemetry to ${client.endpoint}`;
    for (const [k, v] of Object.entries(plan.env)) coll.replace(k, v);
    for (const [k, v] of Object.entries(plan.append)) coll.append(k, v);
    // Prepended with its separator only when there is something after it: an empty PYTHONPATH
    // entry would put the current directory on the app's sys.path.
    for (const [k, v] of Object.entries(plan.prepend)) if (process.env[k]) coll.prepend(k, v); else coll.replace(k, v.slice(0, -1));
    for (const n of plan.notes) log.info(`capture: ${n}`);
    if (Object.keys(plan.env).length) log.info(`capture: terminals and debug sessions get ${Object.keys(plan.env).join(', ')}`);
  };
  ctx.life.register(vscode.debug.registerDebugConfigurationProvider('*', {
    resolveDebugConfiguration(_folder, config) {
      if (config.type === 'agent-lens') return config; // a replay runs no app
      if (Object.keys(plan.env).length || Object.keys(plan.append).length || Object.keys(plan.prepend).length) config.env = withCaptureEnv(config.env as Record<string, string> | undefined, plan, process.env);
      return config;
    },
  }));
  ctx.life.register(vscode.workspace.onDidGrantWorkspaceTrust(() => apply()));
  return { apply, plan: () => plan };
}
