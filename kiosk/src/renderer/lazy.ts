/**
 * A screen few residents reach (provisioning, following up a case) loaded
 * when first needed, so it is not part of the start-up bundle. Returns null
 * until the module is in (a moment, from the kiosk's own disk).
 */
import { useEffect, useState } from 'preact/hooks';

export function useLazy<T>(load: () => Promise<T>, needed: boolean): T | null {
  const [loaded, setLoaded] = useState<{ value: T } | null>(null);
  useEffect(() => {
    if (!needed || loaded) return;
    let live = true;
    void load().then((value) => live && setLoaded({ value }));
    return () => {
      live = false;
    };
  }, [needed]);
  return loaded?.value ?? null;
}
