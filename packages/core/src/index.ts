// What other packages (providers, the daemon, plugins, the client) use of core, by name. The
// schemas are the API's contract and are all exported; internals stay importable inside core only.

export { classifyAddress, formatUrlHost, normalizeAddress } from './address.js';
export { classifyBrowser, scopeFor, stabilityFor } from './classify-browser.js';
export { type ConnectToMap, parseConnectTo, resolveConnectTarget } from './connect-to.js';
export { AUTO_DEFAULT_ORDER, describeDefaultMove, markDefault, resolveDefault, sortEndpoints } from './default-by-type.js';
export { BackoffOptions, backoffDelay, delay } from './delay.js';
export { type CandidateInput, originFor } from './endpoint.js';
export { createChangeNotifier, createExposureReporter } from './exposure-report.js';
export { ExistingFile } from './file-option.js';
export { probeHttp } from './http-probe.js';
export { parseIdentitySpec } from './identity-spec.js';
export { createLimiter } from './limiter.js';
export { createListeningScanner, readSocketStats } from './listening-processes.js';
export { type ListeningSocket, listeningSockets, readListenState } from './listening-sockets.js';
export { isProcessAlive, reapOrphans } from './pid-files.js';
export {
  type DiscoverContext,
  type DiscoverResult,
  type ExposeContext,
  type ExposureStopReason,
  type Provider,
  type ProviderHealth,
  ProviderShape,
} from './provider.js';
export { createPublicResolver } from './public-dns.js';
export { fillTemplate, formatHint, REASON_HINTS } from './reasons.js';
export { attachReports, createRegistry, type Registry } from './registry.js';
export { runTool } from './run-tool.js';
export * from './schema/index.js';
export { redactSecrets, registerSecret } from './secrets.js';
export { createServiceDiscovery, type ServiceDiscovery } from './service-discovery.js';
export { type ChildExit, type SupervisedFailure, supervise } from './supervisor.js';
export { createSharedRead, createVersionRead, type ToolFacts, toolBinary, toolHint } from './tool.js';
export { type FieldIssue, fieldIssues, formatIssues, formatZodError, plainMessage } from './zod-issues.js';
