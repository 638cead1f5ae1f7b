import { z } from "zod";

/**
 * An email address as stored: trimmed, lower-cased, at most 254 characters (RFC 5321's path
 * limit), and of the usual `local@domain.tld` form. Lower-casing makes `Ann@X.io` and `ann@x.io`
 * one account, and the UNIQUE column the whole duplicate check.
 */
export const Email = z.string().trim().toLowerCase().max(254, "at most 254 characters").pipe(
  z.email("must be an email address"),
);

/**
 * A new password: 8 to 128 characters, no composition rules (OWASP ASVS 2.1). The upper bound
 * keeps the memory-hard hasher's input, and so its cost per request, bounded.
 */
export const NewPassword = z.string()
  .min(8, "at least 8 characters")
  .max(128, "at most 128 characters");

/** `POST /auth/register` body. */
export const Registration = z.object({ email: Email, password: NewPassword });

/**
 * `POST /auth/login` body: only bounded strings, no policy, so a login never says more than
 * "wrong email or password" about an account (a password set under an older policy still works).
 */
export const Login = z.object({
  email: z.string().trim().toLowerCase().min(1, "required").max(254, "at most 254 characters"),
  password: z.string().min(1, "required").max(128, "at most 128 characters"),
});
