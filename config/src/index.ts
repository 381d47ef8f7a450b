export { BoothConfig, PRINTER_CODE_PAGES, RECEIPT_LANGUAGES } from './schema';
export { loadConfig, ConfigError, ENV_OVERRIDES, CONFIG_DIR, REPO_ROOT, resolveFromRoot, type ConfigProblem, type LoadOptions } from './loadConfig';
