/**
 * Causality in our own terms: which request or event caused what. The work a request or a
 * delivery does runs inside its {@link CauseNode} (an `AsyncLocalStorage`), so an event published
 * there knows its parent; the nodes form trees rooted at a request (or at an event published
 * outside any request) that {@link TraceStore} keeps, the most recent ones, in bounded memory.
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** What a node stands for. */
export type NodeKind = "request" | "event" | "delivery";

/** Something whose id is made only when read (the http tool's request id). */
export interface LazyId {
  /** The id, made now if needed, without sending it anywhere. */
  peek(): string;
}

/** Nodes one tree keeps at most; past it, children are counted in `dropped` of the root. */
export const MAX_NODES_PER_TREE = 256;

/** One step of a causal tree: a request, an event published, or one delivery of it. */
export class CauseNode {
  /** Children, in the order they began (made on the first one). */
  children: CauseNode[] | undefined;
  /** Duration in ms once finished, `-1` while running. */
  ms = -1;
  /** HTTP status of a request, 0 until it answered. */
  status = 0;
  /** The last error, for a failed delivery (or a request answered 5xx). */
  error: string | undefined;
  /** Attempts of a delivery (1 + retries made). */
  attempts = 0;
  /** The HTTP method of a request (its `name` is the route template). */
  method: string | undefined;
  /** Nodes in this tree (root only) and children left out past {@link MAX_NODES_PER_TREE}. */
  size = 1;
  dropped = 0;
  constructor(
    readonly kind: NodeKind,
    readonly ref: string | LazyId,
    /** The route template (`GET /users/:id`) or the event name. */
    readonly name: string,
    /** Who: the plugin that owns the route, published the event, or subscribed. */
    readonly owner: string,
    /** The root of this node's tree (itself for a root). */
    root?: CauseNode,
    /** When it began (`performance.now()`; read now when not given). */
    readonly t0: number = performance.now(),
  ) {
    this.root = root ?? this;
  }

  /** Wall-clock start, ms since epoch. */
  get start(): number {
    return Math.round(performance.timeOrigin + this.t0);
  }

  /** The root of this node's tree. */
  readonly root: CauseNode;

  /**
   * The node's id: the request id, the event id; for a delivery, the event's id (what an event
   * published by the subscriber names as its parent).
   */
  get id(): string {
    return typeof this.ref === "string" ? this.ref : this.ref.peek();
  }

  /** Add `child` unless the tree is full (then it is counted, not kept). */
  adopt(child: CauseNode): void {
    const root = this.root;
    if (root.size >= MAX_NODES_PER_TREE) {
      root.dropped++;
      return;
    }
    root.size++;
    (this.children ??= []).push(child);
  }

  /** Mark it finished at `now` (`performance.now()`, read when not given). */
  finish(now: number = performance.now()): void {
    if (this.ms < 0) this.ms = Math.round((now - this.t0) * 1000) / 1000;
  }
}

/** A node as `GET /system/traces` shows it. */
export interface TraceView {
  kind: NodeKind;
  /** Request id, event id; for a delivery the event's id. */
  id: string;
  name: string;
  owner: string;
  /** ISO time it began. */
  start: string;
  /** Duration in ms, `null` while running. */
  ms: number | null;
  status?: number;
  error?: string;
  attempts?: number;
  /** Nodes left out of this tree past the bound (root only, when any). */
  dropped?: number;
  children?: TraceView[];
}

/** Filters of {@link TraceStore.list}. */
export interface TraceQuery {
  /** At most this many trees, newest first (default 50). */
  limit?: number;
  /** Only the tree whose root or any node has this id (a request id or an event id). */
  id?: string;
  /** Only trees with a failure somewhere (a 5xx, a failed delivery). */
  failed?: boolean;
}

/** How many recent event ids are remembered to find an event's node from a delivery. */
const RECENT_EVENTS = 4096;

/**
 * The current cause (an `AsyncLocalStorage`) and the most recent causal trees, `max` of them
 * (0 keeps none and records nothing).
 */
export class TraceStore {
  readonly #als = new AsyncLocalStorage<CauseNode>();
  readonly #ring: (CauseNode | undefined)[];
  #next = 0;
  readonly #events = new Map<string, CauseNode>();
  /** The ids in {@link TraceStore.#events}, oldest at `#nextEvent` once it is full. */
  readonly #eventIds: (string | undefined)[] = new Array(RECENT_EVENTS);
  #nextEvent = 0;

  constructor(readonly max: number) {
    this.#ring = new Array(max);
  }

  /** Whether trees are recorded. */
  get on(): boolean {
    return this.max > 0;
  }

  /** The node the running code belongs to, if any. */
  current(): CauseNode | undefined {
    return this.#als.getStore();
  }

  /** Run `fn` as work of `node`. */
  run<R>(node: CauseNode, fn: () => R): R {
    return this.#als.run(node, fn);
  }

  /**
   * A new request tree (kept at once, so requests in flight show); `route` is its template, `t0`
   * its arrival (`performance.now()`).
   */
  request(
    rid: string | LazyId,
    method: string,
    route: string,
    owner: string,
    t0?: number,
  ): CauseNode {
    const node = new CauseNode("request", rid, route, owner, undefined, t0);
    node.method = method;
    this.#keep(node);
    return node;
  }

  /** An event published now: under the current node, or a new tree. */
  event(id: string, name: string, owner: string): CauseNode {
    const parent = this.current();
    const node = new CauseNode("event", id, name, owner, parent?.root);
    node.ms = 0; // published at once: its deliveries carry the durations
    if (parent) parent.adopt(node);
    else this.#keep(node);
    // The oldest id leaves through a ring, not `keys().next()`: on a Map whose front was deleted
    // again and again, that walks every deleted slot before it (most of a publish's cost).
    if (!this.#events.has(id)) { // an id seen again keeps its place
      const old = this.#eventIds[this.#nextEvent];
      if (old !== undefined) this.#events.delete(old);
      this.#eventIds[this.#nextEvent] = id;
      this.#nextEvent = (this.#nextEvent + 1) % RECENT_EVENTS;
    }
    this.#events.set(id, node);
    return node;
  }

  /** One delivery of event `id` to `subscriber`: under the event's node, or a new tree. */
  delivery(id: string, name: string, subscriber: string): CauseNode {
    const ev = this.#events.get(id);
    const node = new CauseNode("delivery", id, name, subscriber, ev?.root);
    if (ev) ev.adopt(node);
    else this.#keep(node);
    return node;
  }

  /** The most recent trees, newest first. */
  list(q: TraceQuery = {}): TraceView[] {
    const limit = Math.max(0, q.limit ?? 50);
    const out: TraceView[] = [];
    for (let i = 1; i <= this.max && out.length < limit; i++) {
      const root = this.#ring[(this.#next - i + this.max) % this.max];
      if (!root) break;
      if (q.id !== undefined && !has(root, (n) => n.id === q.id)) continue;
      if (q.failed && !has(root, failed)) continue;
      out.push(view(root));
    }
    return out;
  }

  #keep(root: CauseNode): void {
    if (!this.max) return;
    this.#ring[this.#next] = root;
    this.#next = (this.#next + 1) % this.max;
  }
}

function failed(n: CauseNode): boolean {
  return n.error !== undefined || n.status >= 500;
}

function has(n: CauseNode, test: (n: CauseNode) => boolean): boolean {
  if (test(n)) return true;
  return n.children?.some((c) => has(c, test)) ?? false;
}

function view(n: CauseNode): TraceView {
  const v: TraceView = {
    kind: n.kind,
    id: n.id,
    name: n.method ? `${n.method} ${n.name}` : n.name,
    owner: n.owner,
    start: new Date(n.start).toISOString(),
    ms: n.ms < 0 ? null : n.ms,
  };
  if (n.status) v.status = n.status;
  if (n.error !== undefined) v.error = n.error;
  if (n.attempts) v.attempts = n.attempts;
  if (n.root === n && n.dropped) v.dropped = n.dropped;
  if (n.children) v.children = n.children.map(view);
  return v;
}
