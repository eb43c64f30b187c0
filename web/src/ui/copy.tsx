// Copy a value (an API key, a generated password) to the clipboard, with feedback.
import { toast } from './toast';

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  return (
    <button
      type="button"
      className="button"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          toast.success('Copied to the clipboard');
        } catch {
          toast.error('The browser did not allow copying: select the text and copy it');
        }
      }}
    >
      {label}
    </button>
  );
}
