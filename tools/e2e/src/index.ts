export { type FlowResults, runCriticalFlows, type Session, type Targets } from './flows/index.js';
export { check, expectStatus, FlowError, request } from './http.js';
export { pdfText } from './pdf-text.js';
export { type ManagedProcess, startProcess } from './processes.js';
export { StepReporter } from './reporter.js';
export { STACK_BUCKETS, type Stack, type StackOptions, startStack } from './stack.js';
