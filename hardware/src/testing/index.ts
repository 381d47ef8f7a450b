export { createMockLink, createPtyLink, type DeviceLink, type MockLinkOptions } from './DeviceLink';
