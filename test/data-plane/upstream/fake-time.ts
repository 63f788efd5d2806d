// Fakes for the upstream layer's periodic work; the clock itself is test/time/manual-clock.ts.

/** A deterministic random source in [0, 1): a linear congruential generator. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}

/** A HealthTarget whose setters record their calls. */
export class FakeTarget {
  activeHealthFailed = false;
  ejected = false;
  readonly host: string;
  readonly port: number;

  constructor(readonly address: string) {
    const colon = address.lastIndexOf(":");
    this.host = address.slice(0, colon);
    this.port = Number(address.slice(colon + 1));
  }

  setActiveHealthFailed(failed: boolean): void {
    this.activeHealthFailed = failed;
  }

  setEjected(ejected: boolean): void {
    this.ejected = ejected;
  }
}
