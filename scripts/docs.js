// The API reference of weir's two entry points (issue 8): `weir` (the Player, lib/player/index.d.ts) and
// `weir/engine` (lib/engine/index.d.ts), from the declarations `npm run build:ts` writes.
//
// API Extractor reads the declarations with the TypeScript it ships (TypeScript 7, the project's compiler, has no
// JavaScript API for tools to use), checks them, and writes one doc model per entry point; API Documenter turns the
// models into Markdown under docs/api/ (generated, git-ignored: rebuilt from the declarations, never edited).
// Any undocumented export or member (`ae-undocumented`), any type the API uses but does not export
// (`ae-forgotten-export`) and any TSDoc syntax error fails the run: `npm test` runs it (test/node/docs.test.ts).
//
//   node scripts/docs.js            the checks and docs/api/
//   node scripts/docs.js --check    the checks only (no Markdown)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = resolve(import.meta.dirname, '..');

/** The entry points: the name readers import, the declaration file, and the doc model's file name. */
export const ENTRY_POINTS = [
  { name: 'weir', types: 'lib/player/index.d.ts', file: 'weir' },
  { name: 'weir/engine', types: 'lib/engine/index.d.ts', file: 'weir-engine' },
];

/** What fails the check: everything API Extractor reports, bar the release tags (weir's API is all public). */
const messages = {
  compilerMessageReporting: { default: { logLevel: 'error' } },
  extractorMessageReporting: {
    default: { logLevel: 'error' },
    'ae-missing-release-tag': { logLevel: 'none' },
    // PushHost (how a PushSource reaches its worker) is exported for the declarations' sake but marked @internal.
    'ae-internal-missing-underscore': { logLevel: 'none' },
    'ae-undocumented': { logLevel: 'error', addToApiReportFile: false },
  },
  tsdocMessageReporting: { default: { logLevel: 'error' } },
};

/**
 * Runs API Extractor on each entry point; returns the problems found (`entry: file:line message (id)`), and writes
 * the doc models into `modelFolder`. `entries` defaults to weir's (a test passes a declaration of its own).
 */
export function extract(modelFolder, entries = ENTRY_POINTS) {
  const problems = [];
  const scratch = mkdtempSync(join(tmpdir(), 'weir-api-'));
  try {
    for (const entry of entries) {
      const types = resolve(root, entry.types);
      if (!existsSync(types)) throw new Error(`${entry.types} is missing: run npm run build:ts first`);
      const config = ExtractorConfig.prepare({
        configObject: {
          projectFolder: root,
          mainEntryPointFilePath: types,
          // The declarations alone (not the repository's sources), with the project's libraries.
          compiler: {
            overrideTsconfig: {
              compilerOptions: {
                target: 'es2022',
                module: 'nodenext',
                moduleResolution: 'nodenext',
                lib: ['es2023', 'dom', 'dom.iterable', 'webworker.importscripts'],
                types: ['node'],
                strict: true,
                skipLibCheck: true,
              },
              files: [types],
            },
          },
          // The API report is on only because ae-undocumented is computed with it; it is written to a scratch folder.
          apiReport: { enabled: true, reportFileName: entry.file, reportFolder: scratch, reportTempFolder: scratch },
          docModel: { enabled: true, apiJsonFilePath: join(modelFolder, `${entry.file}.api.json`) },
          dtsRollup: { enabled: false },
          tsdocMetadata: { enabled: false },
          messages,
        },
        configObjectFullPath: join(root, 'api-extractor.json'),
        packageJsonFullPath: join(root, 'package.json'),
        packageJson: { name: entry.file, version: '0.0.0' },
      });
      const result = Extractor.invoke(config, {
        localBuild: true,
        messageCallback: (message) => {
          if (message.logLevel === 'error' || message.logLevel === 'warning') {
            const where = message.sourceFilePath
              ? `${message.sourceFilePath.replace(`${root}/`, '')}:${message.sourceFileLine}: `
              : '';
            problems.push(`${entry.name}: ${where}${message.text} (${message.messageId})`);
          }
          message.handled = true;
        },
      });
      if (!result.succeeded && problems.length === 0) problems.push(`${entry.name}: API Extractor failed`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  const models = mkdtempSync(join(tmpdir(), 'weir-api-model-'));
  try {
    const problems = extract(models);
    for (const p of problems) console.error(p);
    if (problems.length > 0) {
      console.error(`${problems.length} problem(s) in the API's declarations`);
      process.exit(1);
    }
    if (!check) {
      const out = join(root, 'docs/api');
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      const require = createRequire(import.meta.url);
      const documenter = join(dirname(require.resolve('@microsoft/api-documenter/package.json')), 'bin/api-documenter');
      const run = spawnSync(process.execPath, [documenter, 'markdown', '-i', models, '-o', out], { stdio: 'inherit' });
      if (run.status !== 0) process.exit(run.status ?? 1);
      // The doc model of weir/engine is named weir-engine (a package name cannot hold a slash): say what users import.
      for (const file of readdirSync(out)) {
        const path = join(out, file);
        const text = readFileSync(path, 'utf8');
        writeFileSync(
          path,
          text.replaceAll('[weir-engine]', '[weir/engine]').replace('## weir-engine package', '## weir/engine'),
        );
      }
      console.log(`API reference: ${out.replace(`${root}/`, '')}/index.md`);
    }
  } finally {
    rmSync(models, { recursive: true, force: true });
  }
}
