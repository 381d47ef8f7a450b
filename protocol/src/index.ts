export * from './ids';
export * from './http';
