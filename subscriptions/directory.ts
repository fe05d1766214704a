import type { Subscription } from '@medplum/fhirtypes';
import type { Database } from '../server/store/db/database.ts';
import type { CompileContext } from './compile.ts';
import { compileSubscription } from './compile.ts';
import type { LiveSubscription } from './subscription-model.ts';

/**
 * The subscriptions the relay matches against, compiled once per version and found by tenant and
 * resource type. The relay keeps it current from the Subscription events it takes from the outbox;
 * `generation` (relay_state) tells it when another relay process has seen changes it has not.
 */
export class SubscriptionDirectory {
  /** The relay_state generation this directory reflects; -1 forces a reload. */
  generation = -1;
  private readonly context: CompileContext;
  private readonly onInvalid: (tenant: string, id: string, reason: string) => void;
  private readonly byKey = new Map<string, LiveSubscription>();
  private byType: Map<string, LiveSubscription[]> | undefined;

  constructor(context: CompileContext, onInvalid: (tenant: string, id: string, reason: string) => void) {
    this.context = context;
    this.onInvalid = onInvalid;
  }

  /** Reads every stored Subscription again. */
  async reload(db: Database, generation: number): Promise<void> {
    const rows = await db.query<{ tenant: string; id: string; content: string }>(
      "SELECT tenant, id, content FROM resource WHERE resource_type = 'Subscription' AND NOT deleted"
    );
    this.byKey.clear();
    this.byType = undefined;
    for (const row of rows) {
      this.apply(row.tenant, row.id, row.content);
    }
    this.generation = generation;
  }

  /** Takes in a new version of a Subscription (content), or its deletion (undefined). */
  apply(tenant: string, id: string, content: string | undefined): LiveSubscription | undefined {
    const key = `${tenant}\u0000${id}`;
    this.byKey.delete(key);
    this.byType = undefined;
    if (content === undefined) {
      return undefined;
    }
    const subscription = JSON.parse(content) as Subscription;
    if (subscription.status === 'off') {
      return undefined;
    }
    try {
      const live = compileSubscription(tenant, { ...subscription, id }, this.context);
      this.byKey.set(key, live);
      return live;
    } catch (err) {
      // Admitted once, but no longer valid (a search parameter or topic it used was removed, say).
      this.onInvalid(tenant, id, (err as Error).message);
      return undefined;
    }
  }

  get(tenant: string, id: string): LiveSubscription | undefined {
    return this.byKey.get(`${tenant}\u0000${id}`);
  }

  /** Subscriptions of the tenant whose criteria or topic concern this resource type. */
  candidates(tenant: string, resourceType: string): readonly LiveSubscription[] {
    if (!this.byType) {
      this.byType = new Map();
      for (const live of this.byKey.values()) {
        for (const type of live.resourceTypes) {
          const key = `${live.tenant}\u0000${type}`;
          const list = this.byType.get(key) ?? [];
          list.push(live);
          this.byType.set(key, list);
        }
      }
    }
    return this.byType.get(`${tenant}\u0000${resourceType}`) ?? [];
  }

  all(): LiveSubscription[] {
    return [...this.byKey.values()];
  }
}
