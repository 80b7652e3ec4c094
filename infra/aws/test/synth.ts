import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { ApiAuth, ApiThrottle } from '../lib/event-store-stack.js';
import { EventStoreStack } from '../lib/event-store-stack.js';
import { projectVersion } from '../lib/source.js';

/** The context `cdk synth` runs with (cdk.json), so tests see the same feature flags. */
const cdkContext = (
  JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

export interface Synthesized {
  readonly stack: EventStoreStack;
  readonly template: Template;
  /** Where the assembly (template and bundled assets) was written. */
  readonly outdir: string;
}

export interface SynthOptions {
  /** Bundle the functions with esbuild, as `cdk synth` does (about 2 s a function). */
  readonly bundle: boolean;
  /** Run CDK's built-in CloudFormation validation, as `cdk synth` does (about 7 s of CPU). */
  readonly validate: boolean;
  /** The stack's `corsOrigins`; none when left out. */
  readonly corsOrigins?: readonly string[];
  /** The stack's `throttle` and `accessLogs`; none when left out. */
  readonly throttle?: ApiThrottle;
  readonly accessLogs?: boolean;
  readonly encryptTopics?: boolean;
}

/**
 * Synthesises the stack once, into a directory of its own. Tests that only look at the template
 * skip bundling (CDK's `aws:cdk:bundling-stacks` set to none) and validation.
 */
export function synth(auth: ApiAuth, options: SynthOptions): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'ees-cdk-'));
  const app = new App({
    outdir,
    builtinCloudFormationValidation: options.validate,
    context: { ...cdkContext, auth, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const stack = new EventStoreStack(app, 'EesTest', {
    auth,
    version: projectVersion(),
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
    ...(options.throttle === undefined ? {} : { throttle: options.throttle }),
    ...(options.accessLogs === undefined ? {} : { accessLogs: options.accessLogs }),
    ...(options.encryptTopics === undefined ? {} : { encryptTopics: options.encryptTopics }),
  });
  return { stack, template: Template.fromStack(stack), outdir };
}

type Json = Record<string, unknown>;

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  const [id] = ids;
  if (ids.length !== 1 || id === undefined) {
    throw new Error(`expected one ${type} ${prefix}*, found ${ids.join(', ')}`);
  }
  return id;
}

/** Every IAM statement attached to the role of the function `functionPrefix`. */
export function statementsOf(template: Template, functionPrefix: string): Json[] {
  const fn = template.findResources('AWS::Lambda::Function')[
    logicalId(template, 'AWS::Lambda::Function', functionPrefix)
  ] as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } };
  const role = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .map((policy) => (policy as { Properties: Json }).Properties)
    .filter((properties) =>
      (properties.Roles as Json[]).some((ref) => (ref as { Ref?: string }).Ref === role),
    )
    .flatMap((properties) => (properties.PolicyDocument as { Statement: Json[] }).Statement);
}

/** The actions of statements, flattened and sorted. */
export const actionsOf = (statements: readonly Json[]): string[] =>
  statements
    .flatMap((s) => (Array.isArray(s.Action) ? (s.Action as string[]) : [s.Action as string]))
    .sort();

/** One resource of the template, by logical id. */
export function resourceOf(
  template: Template,
  logical: string,
): { readonly Type: string; readonly Properties: Record<string, unknown> } {
  const resources = (template.toJSON() as { Resources: Record<string, unknown> }).Resources;
  const resource = resources[logical] as
    { Type: string; Properties: Record<string, unknown> } | undefined;
  if (resource === undefined) throw new Error(`no resource ${logical}`);
  return resource;
}
