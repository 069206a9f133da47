/**
 * The simulated cluster's nodes. Pods are placed round-robin over nodes that are up; a lost node
 * takes its pods with it; a noisy neighbour slows every pod on its node by a factor for a while.
 */
export interface NodeState {
  readonly name: string;
  /** node is down until this time (s); 0 when up */
  downUntil: number;
  /** service-rate factor of pods on this node (0.6 = 40 % slower) while now < slowUntil */
  slowFactor: number;
  slowUntil: number;
}

export class Nodes {
  readonly list: NodeState[];
  private cursor = 0;

  constructor(count: number) {
    this.list = Array.from({ length: Math.max(1, count) }, (_, i) => ({
      name: `node-${i + 1}`,
      downUntil: 0,
      slowFactor: 1,
      slowUntil: 0,
    }));
  }

  isUp(i: number, now: number): boolean {
    const n = this.list[i];
    return n !== undefined && now >= n.downUntil;
  }

  /** service-rate multiplier for pods on node i at time now */
  speed(i: number, now: number): number {
    const n = this.list[i];
    return n !== undefined && now < n.slowUntil ? n.slowFactor : 1;
  }

  /** next node that is up (round-robin), or -1 when every node is down */
  place(now: number): number {
    const count = this.list.length;
    for (let k = 0; k < count; k++) {
      const i = (this.cursor + k) % count;
      if (this.isUp(i, now)) {
        this.cursor = (i + 1) % count;
        return i;
      }
    }
    return -1;
  }
}
