import { describe, expect, test } from 'vitest';
import { canonicalHref, coreTypeHref } from '../../implementation-guide/links.ts';
import { loadCatalog } from '../../implementation-guide/load.ts';

/**
 * Links into the R4 specification go to the page that documents the target; the crawls of the
 * built site follow only its own links, so the page names of the specification are checked here.
 */
describe('links to the R4 specification', () => {
  const catalog = loadCatalog();
  const R4 = 'https://hl7.org/fhir/R4/';

  test('resources, data types and metadata types each on their own page', () => {
    expect(coreTypeHref('Patient')).toBe(`${R4}patient.html`);
    expect(coreTypeHref('CodeableConcept')).toBe(`${R4}datatypes.html#CodeableConcept`);
    expect(coreTypeHref('UsageContext')).toBe(`${R4}metadatatypes.html#UsageContext`);
    expect(coreTypeHref('ContactDetail')).toBe(`${R4}metadatatypes.html#ContactDetail`);
    expect(coreTypeHref('Reference')).toBe(`${R4}references.html#Reference`);
  });

  test("R4's own extensions on extension-<id>.html, its profiles on <id>.html, ours on our pages", () => {
    expect(canonicalHref(catalog, 'http://hl7.org/fhir/StructureDefinition/display')).toBe(`${R4}extension-display.html`);
    expect(canonicalHref(catalog, 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace')).toBe(`${R4}extension-patient-birthplace.html`);
    expect(canonicalHref(catalog, 'http://hl7.org/fhir/StructureDefinition/vitalsigns')).toBe(`${R4}vitalsigns.html`);
    expect(canonicalHref(catalog, 'http://hl7.org/fhir/StructureDefinition/Observation|4.0.1')).toBe(`${R4}observation.html`);
    expect(canonicalHref(catalog, 'https://knutepunkt.dev/fhir/StructureDefinition/wt-detectedissue')).toBe('StructureDefinition-wt-detectedissue.html');
  });
});
