export { type DefaultRoutes, parseIpv4Routes, parseIpv6Routes, readDefaultRoutes } from './default-route.js';
export { classifyInterface, type InterfaceExclusion, type InterfaceFacts, readInterfaceFacts } from './interface-kind.js';
export { createLanProvider, type LanProviderDeps, LanProviderOptions } from './provider.js';
