/**
 * Password rules (ASVS 5.0 V6.2): at least 8 characters (15 recommended), up to 72 UTF-8 BYTES (bcrypt
 * silently ignores everything after byte 72 — we refuse instead of truncating), no composition rules,
 * the password used exactly as typed (no trimming, no normalisation), common passwords refused, and not
 * the person's own email. Common list: zxcvbn-ts' `passwords-common` dictionary (≈49 000 entries ranked
 * from public breach corpora — well beyond ASVS' top-3000), loaded lazily so it never ships in the first
 * client bundle. Strength estimate: @zxcvbn-ts/core, also lazy.
 */

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_RECOMMENDED_LENGTH = 15;
export const PASSWORD_MAX_BYTES = 72;

export type PasswordIssueCode = "too_short" | "too_long" | "common" | "contains_email";

export const PASSWORD_ISSUE_MESSAGES: Readonly<Record<PasswordIssueCode, string>> = Object.freeze({
  too_short: `Use at least ${PASSWORD_MIN_LENGTH} characters (${PASSWORD_RECOMMENDED_LENGTH} or more is better — a passphrase works well).`,
  too_long: `Use at most ${PASSWORD_MAX_BYTES} bytes (about ${PASSWORD_MAX_BYTES} letters; fewer with accents or emoji).`,
  common: "This password is too common. Choose something less predictable.",
  contains_email: "Do not use your email address in your password.",
});

export interface PasswordCheck {
  ok: boolean;
  issues: PasswordIssueCode[];
}

/** Length in Unicode code points (what a person counts), not UTF-16 units. */
export function passwordLength(password: string): number {
  return [...password].length;
}

export function passwordBytes(password: string): number {
  return new TextEncoder().encode(password).length;
}

/** Synchronous checks that need no dictionary. */
export function checkPasswordShape(password: string, context: { email?: string | null } = {}): PasswordIssueCode[] {
  const issues: PasswordIssueCode[] = [];
  if (passwordLength(password) < PASSWORD_MIN_LENGTH) issues.push("too_short");
  if (passwordBytes(password) > PASSWORD_MAX_BYTES) issues.push("too_long");
  const email = context.email?.trim().toLowerCase();
  if (email) {
    const lower = password.toLowerCase();
    const local = email.split("@")[0] ?? "";
    if (lower.includes(email) || (local.length >= 4 && lower === local)) issues.push("contains_email");
  }
  return issues;
}

let commonSet: Promise<ReadonlySet<string>> | null = null;

/** The common-password set, loaded once (dynamic import keeps ~380 kB out of the first bundle). */
export function loadCommonPasswords(): Promise<ReadonlySet<string>> {
  commonSet ??= import("@zxcvbn-ts/language-common").then(
    ({ dictionary }) => new Set(dictionary["passwords-common"].map((p) => p.toLowerCase())),
  );
  return commonSet;
}

export async function isCommonPassword(password: string): Promise<boolean> {
  const set = await loadCommonPasswords();
  return set.has(password.toLowerCase());
}

/** Full check: shape + common list. Used by forms before submit and by the server-side guard. */
export async function checkPassword(password: string, context: { email?: string | null } = {}): Promise<PasswordCheck> {
  const issues = checkPasswordShape(password, context);
  if (!issues.includes("too_long") && (await isCommonPassword(password))) issues.push("common");
  return { ok: issues.length === 0, issues };
}

export interface StrengthEstimate {
  /** 0 (very weak) … 4 (very strong), zxcvbn's scale. */
  score: 0 | 1 | 2 | 3 | 4;
  label: string;
  warning: string | null;
  suggestions: string[];
}

const LABELS = ["Very weak", "Weak", "Fair", "Strong", "Very strong"] as const;

// Our own English wording for zxcvbn-ts feedback keys (only language-common is installed).
const WARNINGS: Record<string, string> = {
  straightRow: "Straight rows of keys are easy to guess.",
  keyPattern: "Short keyboard patterns are easy to guess.",
  simpleRepeat: "Repeated characters like \"aaa\" are easy to guess.",
  extendedRepeat: "Repeated groups of characters are easy to guess.",
  sequences: "Sequences like \"abc\" or \"123\" are easy to guess.",
  recentYears: "Recent years are easy to guess.",
  dates: "Dates are easy to guess.",
  topTen: "This is one of the most used passwords.",
  topHundred: "This is a very frequently used password.",
  common: "This is a commonly used password.",
  similarToCommon: "This is similar to a commonly used password.",
  wordByItself: "Single words are easy to guess.",
  namesByThemselves: "Names on their own are easy to guess.",
  commonNames: "Common names are easy to guess.",
  userInputs: "Avoid personal details such as your email address.",
  pwned: "This password appeared in a data breach.",
};
const SUGGESTIONS: Record<string, string> = {
  l33t: "Swapping letters for look-alike symbols (like @ for a) does not help much.",
  reverseWords: "Spelling a common word backwards does not help much.",
  allUppercase: "Capitalise some letters, not all of them.",
  capitalization: "Capitalise more than the first letter.",
  dates: "Avoid dates and years tied to you.",
  recentYears: "Avoid recent years.",
  associatedYears: "Avoid years associated with you.",
  sequences: "Avoid common character sequences.",
  repeated: "Avoid repeated words and characters.",
  longerKeyboardPattern: "Use longer keyboard patterns and change direction several times.",
  anotherWord: "Add more words that are less common.",
  useWords: "Use several unrelated words — a passphrase is easy to remember and hard to guess.",
  noNeed: "You can create strong passwords without symbols, numbers, or uppercase letters.",
  pwned: "If you use this password elsewhere, change it there too.",
};

type Zxcvbn = (password: string, userInputs?: string[]) => { score: number; feedback: { warning: string | null; suggestions: string[] } };
let estimator: Promise<Zxcvbn> | null = null;

function loadEstimator(): Promise<Zxcvbn> {
  estimator ??= Promise.all([import("@zxcvbn-ts/core"), import("@zxcvbn-ts/language-common")]).then(([core, common]) => {
    const factory = new core.ZxcvbnFactory({
      dictionary: { ...common.dictionary },
      graphs: common.adjacencyGraphs,
    });
    return (password: string, userInputs?: string[]) => factory.check(password, userInputs);
  });
  return estimator;
}

/** Strength estimate from zxcvbn-ts (lazy). Inputs beyond 72 bytes are not estimated (they are refused anyway). */
export async function estimateStrength(password: string, userInputs: string[] = []): Promise<StrengthEstimate> {
  const zxcvbn = await loadEstimator();
  const r = zxcvbn(password.slice(0, 128), userInputs);
  const score = Math.max(0, Math.min(4, r.score)) as StrengthEstimate["score"];
  const warning = r.feedback.warning ? (WARNINGS[r.feedback.warning] ?? null) : null;
  const suggestions = r.feedback.suggestions.map((k) => SUGGESTIONS[k]).filter((x): x is string => Boolean(x));
  return { score, label: LABELS[score], warning, suggestions };
}
