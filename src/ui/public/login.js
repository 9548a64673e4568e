// Exchanges an API token for the UI's session cookie.
const form = document.getElementById("login");
const error = document.getElementById("error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const token = document.getElementById("token").value;
  const response = await fetch("/ui/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  if (response.ok) {
    location.href = "/ui/";
  } else {
    const body = await response.json().catch(() => ({}));
    error.textContent = body.message ?? `sign-in failed (${response.status})`;
  }
});
