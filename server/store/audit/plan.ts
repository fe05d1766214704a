import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { SearchRequest } from '@medplum/core';
import type { SqlContext } from '../search/condition-sql.ts';
import { conditionSql } from '../search/condition-sql.ts';
import type { Condition } from '../search/conditions.ts';
import type { PlanOptions, SearchPlan, SortKey } from '../search/plan.ts';
import { parseConditions } from '../search/plan.ts';
import type { SearchParamRegistry } from '../search/registry.ts';
import { SqlParams } from '../search/sql.ts';
import { conditionTermsSql, term, TERM } from './terms.ts';

/**
 * AuditEvent searches over the audit store (table `audit_event`): the same parameters, values
 * and paging as any search, answered from the event's terms (terms.ts) and its recorded time.
 * Everything the parameters allow is offered, except what terms cannot answer (:text,
 * :above/:below), which is a 400 naming the parameter.
 */
export function planAuditSearch(registry: SearchParamRegistry, request: SearchRequest, options: PlanOptions): SearchPlan {
  const params = new SqlParams();
  const tenant = params.add(options.tenant);
  const where = [`r.tenant = ${tenant}`];
  const { conditions, ignored } = parseConditions(registry, request, options);
  for (const condition of conditions) {
    where.push(auditConditionSql(condition, { params, tenant, requester: options.tenant }));
  }
  const whereParamCount = params.values.length;
  return { table: 'audit_event', params, where, whereParamCount, sort: auditSortKeys(request), ignored };
}

function auditConditionSql(condition: Condition, ctx: SqlContext): string {
  const { params } = ctx;
  switch (condition.kind) {
    case 'id':
    case 'lastUpdated':
      return conditionSql(condition, ctx);
    case 'missing': {
      if (condition.param.table === 'date') {
        return condition.missing ? 'false' : 'true'; // every event has its recorded time
      }
      const present = `r.terms @> ARRAY[${params.add(term(condition.param.code, TERM.present))}]::text[]`;
      return condition.missing ? `NOT ${present}` : present;
    }
    case 'index': {
      if (condition.table === 'date') {
        // An event's one date, `recorded`, is the instant it was stored: its last_updated.
        return conditionSql({ kind: 'lastUpdated', tests: condition.tests }, ctx);
      }
      const matches = conditionTermsSql(condition, params);
      return condition.negate ? `NOT ${matches}` : matches;
    }
    case 'chain':
    case 'has':
      // Events name what they touched by reference; follow them with :identifier or by id.
      throw new OperationOutcomeError(badRequest('AuditEvent searches do not chain: search by the reference itself (patient=Patient/…, patient:identifier=…)'));
  }
}

/** Sorted by when they were recorded or by id; the row's sequence number breaks ties. */
function auditSortKeys(request: SearchRequest): SortKey[] {
  const keys: SortKey[] = [];
  for (const rule of request.sortRules ?? []) {
    if (rule.code === 'date' || rule.code === '_lastUpdated') {
      keys.push({ expression: 'r.last_updated', descending: !!rule.descending, cast: 'timestamptz' });
    } else if (rule.code === '_id') {
      keys.push({ expression: 'r.id', descending: !!rule.descending, cast: 'text' });
    } else {
      throw new OperationOutcomeError(badRequest(`Cannot sort AuditEvent by "${rule.code}": sort by date, _lastUpdated or _id`, '_sort'));
    }
  }
  keys.push({ expression: 'r.seq', descending: false, cast: 'bigint' });
  return keys;
}
