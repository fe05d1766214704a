/**
 * The guide's identity (package id, version, canonical, licence, dependencies) from sushi-config.yaml,
 * read by SUSHI's own configuration importer: the FHIR package then names exactly what SUSHI built,
 * and nothing about the guide is written down twice.
 */
import { readFileSync } from 'node:fs';
import { importConfiguration } from 'fsh-sushi/dist/import/importConfiguration.js';

/** The project's SUSHI configuration. */
export const SUSHI_CONFIG_FILE = new URL('../sushi-config.yaml', import.meta.url).pathname;

/** A FHIR package the guide depends on, as `name#version`. */
export interface PackageDependency {
  name: string;
  version: string;
}

export interface GuideConfig {
  /** The package id (sushi-config `id`), e.g. knutepunkt.fhir. */
  id: string;
  version: string;
  canonical: string;
  title?: string;
  description?: string;
  /** An SPDX licence code. */
  license?: string;
  publisher?: string;
  /** Jurisdictions as `system#code`, the form FHIR package manifests use. */
  jurisdictions: string[];
  fhirVersions: string[];
  /** The dependencies listed in sushi-config.yaml (not the FHIR core, which SUSHI adds itself). */
  dependencies: PackageDependency[];
}

/** Reads sushi-config.yaml (or another SUSHI configuration file). */
export function readGuideConfig(file = SUSHI_CONFIG_FILE): GuideConfig {
  const config = importConfiguration(readFileSync(file, 'utf8'), file);
  if (!config.id || !config.version) {
    throw new Error(`${file} names no id or version; a FHIR package needs both`);
  }
  return {
    id: config.id,
    version: config.version,
    canonical: config.canonical,
    title: config.title,
    description: config.description,
    license: config.license,
    publisher: config.publisher,
    jurisdictions: (config.jurisdiction ?? [])
      .flatMap((concept) => concept.coding ?? [])
      .filter((coding) => coding.system && coding.code)
      .map((coding) => `${coding.system}#${coding.code}`),
    fhirVersions: config.fhirVersion,
    dependencies: (config.dependencies ?? [])
      .filter((d) => d.packageId && d.version)
      .map((d) => ({ name: d.packageId as string, version: d.version as string })),
  };
}
