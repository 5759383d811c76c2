// Prints the plain closing line "N passed, N failed" from Vitest's JUnit report, so the count
// is readable whatever reporter is on screen. Fails when the report shows no test at all.
import { readFileSync } from 'node:fs';

const xml = readFileSync(process.argv[2] ?? 'test-results/junit.xml', 'utf8');
const attr = (name) => Number(new RegExp(`<testsuites[^>]*\\s${name}="(\\d+)"`).exec(xml)?.[1] ?? 0);
const total = attr('tests');
const failed = attr('failures') + attr('errors');
const skipped = attr('skipped');
process.stdout.write(`${total - failed - skipped} passed, ${failed} failed, ${skipped} skipped\n`);
if (total === 0 || failed > 0) process.exitCode = 1;
