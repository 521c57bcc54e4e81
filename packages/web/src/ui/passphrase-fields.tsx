// The two passphrase fields of a new store (Create account, and linking this browser).
interface Props {
  pass: string;
  pass2: string;
  onPass: (v: string) => void;
  onPass2: (v: string) => void;
  disabled?: boolean;
}

export function PassphraseFields({ pass, pass2, onPass, onPass2, disabled = false }: Props) {
  return (
    <>
      <label>
        Passphrase
        <input
          name="passphrase"
          type="password"
          disabled={disabled}
          value={pass}
          onInput={(e) => onPass(e.currentTarget.value)}
        />
      </label>
      <label>
        Repeat passphrase
        <input
          name="passphrase2"
          type="password"
          disabled={disabled}
          value={pass2}
          onInput={(e) => onPass2(e.currentTarget.value)}
        />
      </label>
    </>
  );
}
