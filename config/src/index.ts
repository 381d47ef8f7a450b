export { BoothConfig } from './schema';
export { loadConfig, ConfigError, ENV_OVERRIDES, CONFIG_DIR, REPO_ROOT, resolveFromRoot, type ConfigProblem, type LoadOptions } from './loadConfig';
