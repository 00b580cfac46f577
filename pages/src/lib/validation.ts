import type { CreateWorkspaceInput, ErrorDetail } from "../api/types.ts";

/** The create form's raw values, as typed. */
export interface CreateForm {
  repoUrl: string;
  branch: string;
  name: string;
  serverType: string;
  location: string;
  idleTimeout: string;
}

export type CreateField = keyof CreateForm;
export type FieldErrors<F extends string> = Partial<Record<F, string>>;

// These mirror workers/src/routes/workspace-schemas.ts so the form says what the API would.
const printableNoSpaces = /^[\x21-\x7e]+$/;
const repoScheme = /^(https?|ssh|git):\/\/[^/]+\/.+/;
const scpStyle = /^[\w.-]+@[\w.-]+:[\w./~-]+$/;
const anyCredentials = /^[a-z]+:\/\/[^/]*:[^/]*@/i;
const httpUserInfo = /^https?:\/\/[^/]*@/i;
const branchName = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/;
const serverTypeId = /^[a-z0-9-]{2,32}$/;
const locationId = /^[a-z0-9-]{2,16}$/;

export const idleTimeoutBounds = { min: 5, max: 1440 } as const;

export function validateRepoUrl(raw: string): string | undefined {
  const value = raw.trim();
  if (!value) return "Enter the repository's URL.";
  if (value.length > 2048) return "The URL is too long (at most 2048 characters).";
  if (!printableNoSpaces.test(value)) return "The URL must not contain spaces or control characters.";
  if (!repoScheme.test(value) && !scpStyle.test(value)) {
    return "Use an https://, http://, ssh:// or git@host:path repository URL.";
  }
  if (anyCredentials.test(value) || httpUserInfo.test(value)) {
    return "Leave credentials out of the URL: they would be stored in the VM's user_data.";
  }
  return undefined;
}

export function validateBranch(raw: string): string | undefined {
  const value = raw.trim();
  if (!value) return undefined;
  if (value.length > 255) return "The branch name is too long (at most 255 characters).";
  if (!branchName.test(value)) {
    return "Not a valid git branch name (letters, digits, . _ / -; no leading '-' or '..').";
  }
  return undefined;
}

export function validateIdleTimeout(raw: string): string | undefined {
  const value = raw.trim();
  if (!value) return undefined;
  const { min, max } = idleTimeoutBounds;
  if (!/^\d+$/.test(value)) return `Enter whole minutes between ${min} and ${max}.`;
  const n = Number(value);
  if (n < min || n > max) return `Enter whole minutes between ${min} and ${max}.`;
  return undefined;
}

export function validateCreateForm(form: CreateForm): FieldErrors<CreateField> {
  const errors: FieldErrors<CreateField> = {};
  const repo = validateRepoUrl(form.repoUrl);
  if (repo) errors.repoUrl = repo;
  const branch = validateBranch(form.branch);
  if (branch) errors.branch = branch;
  if (form.name.trim().length > 64) errors.name = "The name is too long (at most 64 characters).";
  if (!serverTypeId.test(form.serverType)) errors.serverType = "Choose a size.";
  if (!locationId.test(form.location)) errors.location = "Choose a location.";
  const idle = validateIdleTimeout(form.idleTimeout);
  if (idle) errors.idleTimeout = idle;
  return errors;
}

/** The request body for a valid form: empty optional fields are left out. */
export function toCreateInput(form: CreateForm): CreateWorkspaceInput {
  const input: CreateWorkspaceInput = {
    repo_url: form.repoUrl.trim(),
    server_type: form.serverType,
    location: form.location,
  };
  if (form.branch.trim()) input.branch = form.branch.trim();
  if (form.name.trim()) input.name = form.name.trim();
  if (form.idleTimeout.trim()) input.idle_timeout_minutes = Number(form.idleTimeout.trim());
  return input;
}

const apiFieldToFormField: Record<string, CreateField> = {
  repo_url: "repoUrl",
  branch: "branch",
  name: "name",
  server_type: "serverType",
  location: "location",
  idle_timeout_minutes: "idleTimeout",
};

/**
 * Places a 422's details next to the matching form fields; details that match no field
 * (e.g. "(body)") come back in `other`.
 */
export function mapServerDetails(details: ErrorDetail[]): {
  fields: FieldErrors<CreateField>;
  other: string[];
} {
  const fields: FieldErrors<CreateField> = {};
  const other: string[] = [];
  for (const d of details) {
    const key = d.path.split(".").at(-1) ?? "";
    const field = apiFieldToFormField[key];
    if (field) fields[field] = fields[field] ? `${fields[field]} ${d.message}` : d.message;
    else other.push(d.path && d.path !== "(body)" ? `${d.path}: ${d.message}` : d.message);
  }
  return { fields, other };
}

const claudeKeyPattern = /^sk-ant-[A-Za-z0-9_-]{16,400}$/;

export function validateClaudeKey(raw: string): string | undefined {
  const value = raw.trim();
  if (!value) return "Paste your Anthropic API key.";
  if (!value.startsWith("sk-ant-")) return "An Anthropic API key starts with sk-ant-.";
  if (!claudeKeyPattern.test(value)) return "That does not look like an Anthropic API key (sk-ant-...).";
  return undefined;
}

export function validateKeyName(raw: string): string | undefined {
  const value = raw.trim();
  if (!value) return "Give the key a name, so you can tell it apart later.";
  if (value.length > 64) return "The name is too long (at most 64 characters).";
  return undefined;
}
