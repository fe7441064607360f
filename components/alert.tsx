type AlertProps = {
  tone?: "error" | "success" | "info";
  children?: React.ReactNode;
  id?: string;
};

/**
 * A live region for status and error messages. Keep it mounted (even when empty) so screen readers announce
 * changes: errors use role="alert" (assertive), others role="status" (polite).
 */
export function Alert({ tone = "info", children, id }: AlertProps) {
  return (
    <div id={id} className={`alert ${tone}`} role={tone === "error" ? "alert" : "status"} aria-live={tone === "error" ? "assertive" : "polite"} aria-atomic="true">
      {children}
    </div>
  );
}
