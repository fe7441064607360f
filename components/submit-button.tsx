type SubmitButtonProps = {
  pending: boolean;
  children: React.ReactNode;
  pendingLabel?: string;
  className?: string;
};

/** Submit button that is disabled and announces progress while the form is being submitted. */
export function SubmitButton({ pending, children, pendingLabel = "Please wait…", className = "button block" }: SubmitButtonProps) {
  return (
    <button type="submit" className={className} disabled={pending} aria-busy={pending || undefined}>
      {pending ? pendingLabel : children}
    </button>
  );
}
