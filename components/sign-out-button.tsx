/** Sign-out is a POST (never a GET link): a form posting to the sign-out route handler. */
export function SignOutButton({ label = "Sign out" }: { label?: string }) {
  return (
    <form method="post" action="/auth/sign-out">
      <button type="submit" className="button secondary">
        {label}
      </button>
    </form>
  );
}
