import { expect, test } from 'vitest';
import { runSuite } from './official-suite.ts';

/**
 * HL7's FHIRPath R4 test suite through the engine `$fhirpath` uses. The figures go in the README;
 * the floor is this engine's count, so a change that breaks an expression that worked fails here.
 */
test('the official FHIRPath R4 suite: 881 of 935 pass, 9 have inputs outside the R4 examples', () => {
  const report = runSuite();
  console.info(`FHIRPath R4 suite: ${report.passed} of ${report.cases} passed, ${report.failed.length} failed, ${report.notRun.length} not run`);
  expect(report.cases).toBe(935);
  expect(report.notRun).toHaveLength(9);
  expect(report.passed, report.failed.map((f) => `${f.name}: ${f.why}`).join('\n')).toBeGreaterThanOrEqual(881);
});
