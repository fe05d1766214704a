import { isNotFound, OperationOutcomeError, preconditionFailed } from '@medplum/core';
import type { Subscription } from '@medplum/fhirtypes';
import type { RequestContext } from '../server/fhir/repository.ts';
import type { FhirRepository } from '@medplum/fhir-router';

/**
 * Status changes the server makes to a Subscription (requested → active, active → error, → off at
 * its end), written as new versions through the normal repository so they are validated, kept in
 * history and seen by every relay. A change applies only from the statuses given, and only to the
 * version read (or, with `ifVersion`, only to that version): a subscriber's own edit made
 * meanwhile wins.
 */
export interface SubscriptionStatusWriter {
  setStatus(
    tenant: string,
    id: string,
    status: Subscription['status'],
    reason?: string,
    from?: readonly Subscription['status'][],
    ifVersion?: string
  ): Promise<void>;
}

const ATTEMPTS = 5;

export class RepositoryStatusWriter implements SubscriptionStatusWriter {
  private readonly repository: (context: RequestContext) => FhirRepository;
  private readonly baseUrl: string;

  constructor(repository: (context: RequestContext) => FhirRepository, baseUrl: string) {
    this.repository = repository;
    this.baseUrl = baseUrl;
  }

  async setStatus(
    tenant: string,
    id: string,
    status: Subscription['status'],
    reason?: string,
    from: readonly Subscription['status'][] = ['active'],
    ifVersion?: string
  ): Promise<void> {
    const repository = this.repository({ tenant, baseUrl: this.baseUrl });
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      let current: Subscription;
      try {
        current = await repository.readResource<Subscription>('Subscription', id);
      } catch (err) {
        if (err instanceof OperationOutcomeError && isNotFound(err.outcome)) {
          return; // deleted meanwhile
        }
        throw err;
      }
      if (!from.includes(current.status) || (ifVersion !== undefined && current.meta?.versionId !== ifVersion)) {
        return;
      }
      const next: Subscription = { ...current, status, error: reason };
      if (reason === undefined) {
        delete next.error;
      }
      try {
        await repository.updateResource(next, { ifMatch: current.meta?.versionId });
        return;
      } catch (err) {
        // 412: the subscriber changed it meanwhile; read again and decide again (or, for one version, not at all).
        if (!(err instanceof OperationOutcomeError) || err.outcome.id !== preconditionFailed.id || attempt === ATTEMPTS) {
          throw err;
        }
      }
    }
  }
}
