export function NotFoundView() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is nothing here. <a href="#/">Back to the list</a>
      </p>
    </section>
  );
}
