export * from './ids';
export * from './http';
export * from './signalling';
export * from './vocab';
export * from './inquiries';
export * from './reports';
export * from './inCall';
export * from './flows';
