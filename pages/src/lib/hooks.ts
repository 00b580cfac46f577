import { useCallback, useEffect, useRef, useState } from "react";

/** The current hash route, without the leading "#" ("/" when empty). */
const readHash = () => window.location.hash.replace(/^#/, "") || "/";

export function useHashRoute(): string {
  const [route, setRoute] = useState(readHash);
  useEffect(() => {
    const onChange = () => setRoute(readHash());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/** Date.now(), refreshed every `everyMs` (for countdowns and "5 min ago"). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

/**
 * Loads `load()` now and again `intervalMs(data)` after each answer (null: no polling); a new
 * `key` (e.g. another workspace id, or another page count) starts over.
 * A failed poll keeps the last data and exposes the error; the next poll retries. When `key`
 * changes, the last data stays on screen until the new answer arrives (`loading` is true meanwhile).
 */
export function usePolled<T>(
  load: () => Promise<T>,
  intervalMs: (data: T | undefined) => number | null,
  key: string,
): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const intervalRef = useRef(intervalMs);
  intervalRef.current = intervalMs;
  const generation = useRef(0);
  const latestCall = useRef(0);
  const dataRef = useRef<T | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const run = useCallback(async () => {
    const gen = generation.current;
    const call = ++latestCall.current;
    clearTimeout(timer.current);
    // Only the newest call of the current generation may touch state or schedule the next poll.
    const current = () => gen === generation.current && call === latestCall.current;
    try {
      const latest = await loadRef.current();
      if (!current()) return;
      dataRef.current = latest;
      setData(latest);
      setError(null);
    } catch (e) {
      if (!current()) return;
      setError(e);
    }
    setLoading(false);
    const next = intervalRef.current(dataRef.current);
    if (next !== null) timer.current = setTimeout(() => void run(), next);
  }, []);

  useEffect(() => {
    void key; // a new key starts over
    generation.current += 1;
    setLoading(true);
    setError(null);
    void run();
    return () => {
      generation.current += 1;
      clearTimeout(timer.current);
    };
  }, [key, run]);

  return { data, error, loading, reload: run };
}
