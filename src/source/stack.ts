// Stack traces as the languages print them, into frames: Python, Node/V8, Java, Go and .NET. And
// which frames are the user's own code (not the standard library, installed packages or the
// instrumentation), since a step links to where the user's code made it.

export interface Frame {
  path: string;
  line: number;
  column?: number;
  function?: string;
}

// One pattern a format; each line of a trace is tried against them in turn.
const PYTHON = /^\s*File "(.+?)", line (\d+)(?:, in (.+))?$/;
const V8_NAMED = /^\s*at (?:async )?(.+?) \((.+?):(\d+):(\d+)\)$/;
const V8_BARE = /^\s*at (?:async )?(.+?):(\d+):(\d+)$/;
const JAVA = /^\s*at ([\w$.<>/]+)\(([^():]+):(\d+)\)$/;
const DOTNET = /^\s*at (.+?) in (.+?):line (\d+)$/;
const GO_FILE = /^\s+(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?$/;

/** The frames of a stack trace, innermost first as each language prints it (Python prints outermost first). */
export function parseStack(text: string): { frames: Frame[]; language: 'python' | 'node' | 'java' | 'go' | 'dotnet' | 'unknown' } {
  const lines = text.split(/\r?\n/);
  const frames: Frame[] = [];
  let language: ReturnType<typeof parseStack>['language'] = 'unknown';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    let m: RegExpExecArray | null;
    if ((m = PYTHON.exec(l))) {
      language = 'python';
      frames.push(withFn({ path: m[1]!, line: Number(m[2]) }, m[3]));
    } else if ((m = V8_NAMED.exec(l))) {
      language = 'node';
      frames.push(withFn({ path: fileOf(m[2]!), line: Number(m[3]), column: Number(m[4]) }, m[1]));
    } else if ((m = V8_BARE.exec(l))) {
      language = 'node';
      frames.push({ path: fileOf(m[1]!), line: Number(m[2]), column: Number(m[3]) });
    } else if ((m = DOTNET.exec(l))) {
      language = 'dotnet';
      frames.push(withFn({ path: m[2]!, line: Number(m[3]) }, m[1]!.replace(/\(.*\)$/, '')));
    } else if ((m = JAVA.exec(l))) {
      language = 'java';
      // Java names the file without its folder; the class's package says where it lives.
      const fqn = m[1]!;
      const pkg = fqn.split('.').slice(0, -2).join('/');
      frames.push(withFn({ path: pkg ? `${pkg}/${m[2]}` : m[2]!, line: Number(m[3]) }, fqn));
    } else if ((m = GO_FILE.exec(l))) {
      language = 'go';
      // The function is on the line before: "main.lookupOrder(...)".
      const fn = /^(\S+?)\(.*\)$/.exec(lines[i - 1]?.trim() ?? '')?.[1];
      frames.push(withFn({ path: m[1]!, line: Number(m[2]) }, fn));
    }
  }
  // Python prints the outermost call first: innermost first, as the others do.
  if (language === 'python') frames.reverse();
  return { frames, language };
}

function withFn(f: Frame, fn: string | undefined): Frame {
  if (fn && fn !== '<module>' && fn !== '<anonymous>') f.function = fn;
  return f;
}

/** A V8 location's file: file:// URLs (ES modules) as paths. */
function fileOf(loc: string): string {
  if (!loc.startsWith('file://')) return loc;
  try { return decodeURIComponent(new URL(loc).pathname); } catch { return loc; }
}

// Paths of code that is not the user's: installed packages, standard libraries and runtimes,
// OpenTelemetry and its instrumentations, and Agent Lens's own capture helper.
const NOT_USER = [
  /[/\\](site-packages|dist-packages|node_modules)[/\\]/, /^node:/, /^internal[/\\]/, /<frozen /, /^<.*>$/,
  /[/\\]lib[/\\]python\d+(\.\d+)?[/\\]/, /[/\\]\.pyenv[/\\]versions[/\\]/, /[/\\]go[/\\]src[/\\](runtime|net|internal)[/\\]/,
  /^(java|javax|jdk|sun|kotlin|scala)[/\\]/, /^io[/\\]opentelemetry[/\\]/, /[/\\]opentelemetry[/\\]/, /^(System|Microsoft)[./\\]/,
  /[/\\]agent-lens[/\\]capture[/\\]/, /[/\\]go[/\\]pkg[/\\]mod[/\\]/,
];

/** Whether a frame is in the user's own code. */
export function isUserFrame(f: Frame): boolean {
  return !NOT_USER.some((re) => re.test(f.path)) && !(f.function && /^(System|Microsoft)\./.test(f.function));
}
