/**
 * Development build or not. The UI bundles are built with `__CITIZEN_DEV__`
 * defined (scripts/build-ui.mjs: true unless NODE_ENV=production); code run
 * from source (tests) counts as development.
 */
declare const __CITIZEN_DEV__: boolean | undefined;
export const DEV: boolean = typeof __CITIZEN_DEV__ === 'boolean' ? __CITIZEN_DEV__ : true;
