/**
 * Collects items added while a flush is running and writes them in one call: under load the
 * batch grows with the number of deliveries in flight, when idle each item goes alone at once.
 * `add` resolves when its item has been written, and rejects if that write failed.
 */
export class Batcher<T> {
  private readonly write: (items: T[]) => Promise<void>;
  private pending: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private flushing = false;

  constructor(write: (items: T[]) => Promise<void>) {
    this.write = write;
  }

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) {
      return; // the running flush takes these next
    }
    this.flushing = true;
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.write(batch.map((p) => p.item));
        batch.forEach((p) => p.resolve());
      } catch (err) {
        batch.forEach((p) => p.reject(err));
      }
    }
    this.flushing = false;
  }
}
