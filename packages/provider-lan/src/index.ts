export { createLanProvider, LanProviderOptions, type LanProviderDeps } from './provider.js';
export { classifyInterface, readInterfaceFacts, type InterfaceExclusion, type InterfaceFacts } from './interface-kind.js';
export { parseIpv4Routes, parseIpv6Routes, readDefaultRoutes, type DefaultRoutes } from './default-route.js';
